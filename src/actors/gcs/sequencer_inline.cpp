#include "actors/gcs/sequencer_inline.hpp"

#include "actors/gcs/sequencer_effects.hpp"

namespace dfs {

bool sequencer_inline::packets(const node_id& from, const std::vector<gcs::packet>& pkts) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || st_ == nullptr || in_mailbox_.load(std::memory_order_relaxed) != 0)
    return false;
  auto now = core::clock::now();
  for (auto& p : pkts) carry_out(*st_, st_->member->on_packet(from, p, now), nullptr);
  unflushed_ = true;
  handled_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void sequencer_inline::batch_end() {
  if (!unflushed_) return;
  unflushed_ = false;
  // Waits for a message the actor may be handling (they are short): the packets must leave
  // now, and the actor's own flush is scheduled only when it queues a packet itself.
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

sequencer_state::~sequencer_state() {
  if (!fast) return;
  std::lock_guard<std::recursive_mutex> lock(fast->mu_);
  fast->st_ = nullptr;
}

}  // namespace dfs
