#include "net/mux_conn.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/little_endian.hpp"
#include "common/thread_name.hpp"

namespace dfs::net {

namespace {

// A caller whose answer the I/O thread has not set by its deadline stops waiting this much
// later (the I/O thread's own expiry normally answers first, with the same outcome).
constexpr auto caller_grace = std::chrono::milliseconds(50);

void wake(int fd) {
  uint64_t one = 1;
  // A full counter (never, at 2^64 - 2) or EAGAIN still leaves the descriptor readable.
  [[maybe_unused]] auto r = ::write(fd, &one, sizeof one);
}

}  // namespace

mux_conn::mux_conn(frame_conn conn) : conn_(std::move(conn)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  io_ = named_thread("mux-io", [this] { run(); });
}

mux_conn::~mux_conn() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  wake(wake_fd_);
  io_.join();
  ::close(wake_fd_);
}

mux_conn::result mux_conn::call(std::string_view request_payload,
                                std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::future<result> answer;
  {
    std::lock_guard lk(mu_);
    if (stopping_ || broken_) return {result::broken, "the connection is closed", {}};
    waiter w;
    w.tag = next_tag_++;
    w.payload.reserve(8 + request_payload.size());
    append_le(w.payload, w.tag, 8);
    w.payload.append(request_payload);
    w.deadline = deadline;
    answer = w.answer.get_future();
    bool was_empty = queued_.empty();
    queued_.push_back(std::move(w));
    if (was_empty) wake(wake_fd_);  // else the I/O thread has a wake-up coming already
  }
  if (answer.wait_until(deadline + caller_grace) != std::future_status::ready)
    return {result::timeout, "no answer in time", {}};
  return answer.get();
}

void mux_conn::fail_all(const std::string& why) {
  std::deque<waiter> queued;
  {
    std::lock_guard lk(mu_);
    broken_ = true;
    queued.swap(queued_);
  }
  for (auto& w : queued) w.answer.set_value({result::broken, why, {}});
  for (auto& [tag, w] : pending_) w.answer.set_value({result::broken, why, {}});
  pending_.clear();
}

void mux_conn::run() {
  std::deque<waiter> batch;
  for (;;) {
    int wait_ms = -1;
    if (!pending_.empty()) {
      auto next = std::min_element(pending_.begin(), pending_.end(), [](auto& a, auto& b) {
                    return a.second.deadline < b.second.deadline;
                  })->second.deadline;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(next - clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60000));
    }
    bool buffered = conn_.has_unread();
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {conn_.fd(), POLLIN, 0}};
    int n = ::poll(fds, 2, buffered ? 0 : wait_ms);
    if (n < 0 && errno != EINTR) return fail_all(std::string("poll: ") + std::strerror(errno));
    bool worked = false;
    if (n > 0 && fds[0].revents) {
      uint64_t count = 0;
      [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
      bool stop = false;
      {
        std::lock_guard lk(mu_);
        stop = stopping_;
        batch.swap(queued_);
      }
      if (stop) {
        for (auto& w : batch) w.answer.set_value({result::broken, "the connection is closing", {}});
        return fail_all("the connection is closing");
      }
      // Every request queued meanwhile, in one flush: `more` holds all but the last back.
      for (size_t i = 0; i < batch.size(); ++i) {
        auto& w = batch[i];
        if (!conn_.write(data_type::tagged_request, w.payload, i + 1 < batch.size())) {
          for (; i < batch.size(); ++i) pending_.emplace(batch[i].tag, std::move(batch[i]));
          batch.clear();
          return fail_all("the request could not be sent");
        }
        ++sent_;
        w.payload.clear();
        pending_.emplace(w.tag, std::move(w));
      }
      worked = !batch.empty();
      batch.clear();
    }
    if (buffered || (n > 0 && fds[1].revents)) {
      do {
        frame f;
        auto err = conn_.read(f);
        if (err != frame_error::none)
          return fail_all(err == frame_error::closed ? "the server closed the connection"
                                                     : std::string(to_string(err)));
        uint64_t tag = 0;
        reply_msg reply;
        if (!parse_tagged_reply(f, tag, reply)) return fail_all("a malformed answer");
        // No waiter: its deadline passed, and it was answered `timeout` already.
        if (auto it = pending_.find(tag); it != pending_.end()) {
          it->second.answer.set_value({result::answered, {}, std::move(reply)});
          pending_.erase(it);
        }
      } while (conn_.has_unread());
      worked = true;
    }
    if (worked) ++rounds_;
    auto now = clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      it->second.answer.set_value({result::timeout, "no answer in time", {}});
      it = pending_.erase(it);
    }
  }
}

}  // namespace dfs::net
