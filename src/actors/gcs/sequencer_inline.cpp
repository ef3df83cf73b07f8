#include "actors/gcs/sequencer_inline.hpp"

#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>

#include "actors/gcs/sequencer_effects.hpp"

namespace dfs {

template <class F>
bool sequencer_inline::between_messages(F work) {
  std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
  return lock.owns_lock() && st_ != nullptr && work(*st_);
}

bool sequencer_inline::packets(const node_id& from, const std::vector<gcs::packet>& pkts) {
  return between_messages([&](sequencer_state& st) {
    if (in_mailbox_.load(std::memory_order_relaxed) != 0) return false;  // keep their order
    auto now = core::clock::now();
    for (auto& p : pkts) carry_out(st, st.member->on_packet(from, p, now), nullptr);
    unflushed_.store(true);
    handled_.fetch_add(1, std::memory_order_relaxed);
    return true;
  });
}

bool sequencer_inline::synced(uint64_t generation, uint64_t upto) {
  return between_messages([&](sequencer_state& st) {
    // on_synced never returns an image, which this thread would wait for itself to write.
    carry_out(st, st.member->on_synced(generation, upto, core::clock::now()), nullptr);
    flush_outbox(st);  // one report per batch of the writer: nothing to wait for
    return true;
  });
}

bool sequencer_inline::submit(const queue_request& req, const caf::strong_actor_ptr& requester,
                              uint64_t request_id) {
  return between_messages([&](sequencer_state& st) {
    auto self = caf::actor_cast<caf::strong_actor_ptr>(st.actor);
    if (!self) return false;
    // The promise the actor would have made from the request's mailbox element.
    auto request = caf::make_mailbox_element(requester, caf::make_message_id(request_id), {},
                                             caf::make_message());
    take_request(st, req, caf::typed_response_promise<queue_reply>(self, *request), nullptr);
    unflushed_.store(true);
    submitted_.fetch_add(1, std::memory_order_relaxed);
    return true;
  });
}

void sequencer_inline::flush() {
  if (!unflushed_.exchange(false)) return;
  // The packets must leave now: the actor's own flush is scheduled only when it queues one.
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (st_ != nullptr) flush_outbox(*st_);  // with any packets the actor had queued
}

void sequencer_inline::attach(sequencer_state& st, const std::shared_ptr<sequencer_inline>& me,
                              caf::actor_addr actor) {
  st.fast = me;
  st.actor = std::move(actor);
  st_ = &st;
}

sequencer_state::~sequencer_state() {
  if (!fast) return;
  std::lock_guard<std::recursive_mutex> lock(fast->mu_);
  fast->st_ = nullptr;
}

}  // namespace dfs
