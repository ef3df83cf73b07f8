#include "actors/gcs/sequencer_inline.hpp"

#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>

#include "actors/gcs/sequencer_effects.hpp"

namespace dfs {

bool sequencer_inline::packets(const node_id& from, const std::vector<gcs::packet>& pkts) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || st_ == nullptr || in_mailbox_.load(std::memory_order_relaxed) != 0)
    return false;
  auto now = core::clock::now();
  for (auto& p : pkts) carry_out(*st_, st_->member->on_packet(from, p, now), nullptr);
  unflushed_.store(true);
  handled_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void sequencer_inline::flush() {
  if (!unflushed_.exchange(false)) return;
  // The packets must leave now: the actor's own flush is scheduled only when it queues one.
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (st_ != nullptr) flush_outbox(*st_);  // with any packets the actor had queued
}

bool sequencer_inline::synced(uint64_t generation, uint64_t upto) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || st_ == nullptr) return false;
  // on_synced never returns an image, which this thread would wait for itself to write.
  carry_out(*st_, st_->member->on_synced(generation, upto, core::clock::now()), nullptr);
  flush_outbox(*st_);
  return true;
}

bool sequencer_inline::submit(const queue_request& req, const caf::strong_actor_ptr& requester,
                              uint64_t request_id) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || st_ == nullptr) return false;
  auto self = caf::actor_cast<caf::strong_actor_ptr>(st_->actor);
  if (!self) return false;
  // The promise the actor would have made from the request's mailbox element.
  auto request = caf::make_mailbox_element(requester, caf::make_message_id(request_id), {},
                                           caf::make_message());
  take_request(*st_, req, caf::typed_response_promise<queue_reply>(self, *request), nullptr);
  unflushed_.store(true);
  submitted_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

sequencer_state::~sequencer_state() {
  if (!fast) return;
  std::lock_guard<std::recursive_mutex> lock(fast->mu_);
  fast->st_ = nullptr;
}

}  // namespace dfs
