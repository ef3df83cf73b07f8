#include "actors/node/reply_inbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_execution_unit.hpp>
#include <caf/spawn_options.hpp>

namespace dfs {

namespace {

caf::actor_companion* as_companion(const caf::strong_actor_ptr& p) {
  return static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(p));
}

}  // namespace

reply_inbox::reply_inbox(caf::actor_system& sys) : sys_(&sys), queue_(std::make_shared<queue>()) {
  queue_->fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (queue_->fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  // Hidden: the system's shutdown does not wait for it; the destructor ends it.
  companion_ =
      caf::actor_cast<caf::strong_actor_ptr>(sys.spawn<caf::actor_companion, caf::hidden>());
  // Runs on the answering actor's thread. The queue is shared, so an answer racing the
  // destructor still has somewhere to go.
  as_companion(companion_)->on_enqueue([q = queue_](caf::mailbox_element_ptr ptr) {
    if (!ptr || !ptr->mid.is_response()) return;  // only answers to our requests
    answer a{ptr->mid.request_id().integer_value(), ptr->move_content_to_message()};
    std::lock_guard lk(q->mu);
    bool was_empty = q->items.empty();
    q->items.push_back(std::move(a));
    if (q->sleeping) {
      q->cv.notify_one();
    } else if (was_empty && q->fd >= 0) {  // else the reader has a wake-up coming already
      uint64_t one = 1;
      [[maybe_unused]] auto r = ::write(q->fd, &one, sizeof one);
    }
  });
}

reply_inbox::~reply_inbox() {
  // Drops the callback (under the companion's lock, which its enqueue holds too): later answers
  // go nowhere. Then ends the actor as CAF's own actor_widget does (disconnect() is not in
  // Debian's libcaf_core).
  auto* c = as_companion(companion_);
  c->on_enqueue({});
  caf::scoped_execution_unit host(sys_);
  c->cleanup(caf::error{}, &host);
  std::lock_guard lk(queue_->mu);
  ::close(queue_->fd);
  queue_->fd = -1;
}

std::vector<reply_inbox::answer> reply_inbox::take() {
  uint64_t count = 0;
  // Read first, then take: an answer queued after this read writes the eventfd again.
  [[maybe_unused]] auto r = ::read(queue_->fd, &count, sizeof count);
  std::vector<answer> out;
  std::lock_guard lk(queue_->mu);
  out.swap(queue_->items);
  return out;
}

std::vector<reply_inbox::answer> reply_inbox::wait_until(
    std::chrono::steady_clock::time_point deadline) {
  std::vector<answer> out;
  std::unique_lock lk(queue_->mu);
  queue_->sleeping = true;
  queue_->cv.wait_until(lk, deadline, [&] { return !queue_->items.empty(); });
  queue_->sleeping = false;
  out.swap(queue_->items);
  return out;
}

}  // namespace dfs
