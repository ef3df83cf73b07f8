#pragma once
// The group's datagrams handled on the socket's thread, the disk's sync reports on the disk's
// writer thread and clients' operations on the request port's thread (issue 14). Through the actor,
// each datagram cost two wake-ups: the socket thread's, then a CAF worker's. On these VMs waking
// another thread is the largest CPU cost of a queue operation (perf: most of a fileserver's
// samples are the kernel's wake-up and task switch), and an operation takes ~9 datagrams.
//
// The sequencer actor (sequencer_impl.hpp, a mutex_held_actor) holds the mutex while it starts and
// while it handles each message. The socket thread only tries it, and only while none of its
// datagrams waits in the actor's mailbox, so packets are still handled in the order they came. When
// the actor is busy, the datagram goes to the mailbox as before: under load, where the actor rarely
// idles, packets keep sharing datagrams through the actor's once-per-mailbox-turn flush.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include "common/node_id.hpp"

#include "core/gcs/messages.hpp"
#include "proto/ftqueue.hpp"

namespace dfs {

struct sequencer_state;

class sequencer_inline {
 public:
  // True: handled here, between two of the actor's messages; the packets it produced wait in
  // the outbox for flush(). False: hand the datagram to the actor (call queued() first).
  bool packets(const node_id& from, const std::vector<gcs::packet>& pkts);

  // The same for the disk's report that the log is synced up to `upto` (gcs_disk's writer
  // thread). Reports need no order among themselves: the member ignores one older than the last.
  bool synced(uint64_t generation, uint64_t upto);

  // A client's queue operation from the request port's thread (its reply inbox `requester`,
  // the request's id `request_id`): true when taken here (the answer comes as the actor's
  // would; the packets wait for flush()), false: send it to the actor. Requests need no order
  // among themselves (a client has one operation in flight).
  bool submit(const queue_request& req, const caf::strong_actor_ptr& requester,
              uint64_t request_id);

  // Sends what packets() and submit() left in the outbox, once their caller has nothing more
  // waiting (the socket's batch read, the port's requests of one read): a burst's packets for
  // one peer share datagrams, as the actor's once-per-mailbox-turn flush makes them do. Waits
  // for a message the actor may be handling (they are short); nothing to do costs no lock.
  void flush();

  // A datagram is in the actor's mailbox, or has been handled there (on the actor's thread).
  void queued() { in_mailbox_.fetch_add(1, std::memory_order_relaxed); }
  void dequeued() { in_mailbox_.fetch_sub(1, std::memory_order_relaxed); }

  // Datagrams handled and client operations submitted off the actor's thread.
  uint64_t handled() const { return handled_.load(std::memory_order_relaxed); }
  uint64_t submitted() const { return submitted_.load(std::memory_order_relaxed); }

 private:
  template <class, class, class>
  friend class mutex_held_actor;
  friend struct sequencer_state;

  // By the actor before its behaviour starts, under mu_ (mutex_held_actor.hpp).
  void attach(sequencer_state& st, const std::shared_ptr<sequencer_inline>& me,
              caf::actor_addr actor);

  // Runs `work(state)` when the actor is between messages (else false, nothing done).
  template <class F>
  bool between_messages(F work);

  // Recursive: the actor takes it around each message and again when its state goes.
  std::recursive_mutex mu_;
  sequencer_state* st_ = nullptr;  // the actor's, while it lives (set and cleared under mu_)
  // Only the socket thread adds and only the actor (under mu_) subtracts, so a zero read under
  // mu_ means every datagram handed to the actor has been handled.
  std::atomic<uint64_t> in_mailbox_{0};
  std::atomic<uint64_t> handled_{0}, submitted_{0};
  // Set under mu_ when packets() or submit() left packets in the outbox; whoever clears it
  // flushes them all.
  std::atomic<bool> unflushed_{false};
};

}  // namespace dfs
