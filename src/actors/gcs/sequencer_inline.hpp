#pragma once
// The group's datagrams handled on the socket's thread, and the disk's sync reports on the
// disk's writer thread (issue 14). Through the actor, each
// datagram cost two wake-ups: the socket thread's, then a CAF worker's. On these VMs waking
// another thread is the largest CPU cost of a queue operation (perf: most of a fileserver's
// samples are the kernel's wake-up and task switch), and an operation takes ~9 datagrams.
//
// The sequencer actor (sequencer_impl.hpp) holds the mutex while it starts and while it handles
// each message. The socket thread only tries it, and only while none of its datagrams waits in
// the actor's mailbox, so packets are still handled in the order they came. When the actor is
// busy, the datagram goes to the mailbox as before: under load, where the actor rarely idles,
// packets keep sharing datagrams through the actor's once-per-mailbox-turn flush.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/node_id.hpp"
#include "core/gcs/messages.hpp"

namespace dfs {

struct sequencer_state;

class sequencer_inline {
 public:
  // True: handled here, between two of the actor's messages; the packets it produced wait in
  // the outbox for batch_end(). False: hand the datagram to the actor (call queued() first).
  bool packets(const node_id& from, const std::vector<gcs::packet>& pkts);
  // The socket has no more datagrams waiting: sends what the ones handled here produced, so
  // that a burst's answers to one peer share datagrams, as the actor's flush makes them do.
  void batch_end();

  // The same for the disk's report that the log is synced up to `upto` (gcs_disk's writer
  // thread). Reports need no order among themselves: the member ignores one older than the last.
  bool synced(uint64_t generation, uint64_t upto);

  // A datagram is in the actor's mailbox, or has been handled there (on the actor's thread).
  void queued() { in_mailbox_.fetch_add(1, std::memory_order_relaxed); }
  void dequeued() { in_mailbox_.fetch_sub(1, std::memory_order_relaxed); }

  uint64_t handled() const { return handled_.load(std::memory_order_relaxed); }

 private:
  friend class sequencer_impl;
  friend struct sequencer_state;

  // Recursive: the actor takes it around each message and again when its state goes.
  std::recursive_mutex mu_;
  sequencer_state* st_ = nullptr;  // the actor's, while it lives (set and cleared under mu_)
  // Only the socket thread adds and only the actor (under mu_) subtracts, so a zero read under
  // mu_ means every datagram handed to the actor has been handled.
  std::atomic<uint64_t> in_mailbox_{0};
  std::atomic<uint64_t> handled_{0};
  bool unflushed_ = false;  // the socket thread's own: packets() left packets in the outbox
};

}  // namespace dfs
