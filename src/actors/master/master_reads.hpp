#pragma once
// Reads the request port answers on its own thread (issue 17). A stat is a few microseconds of
// work in the core, but through the master actor it costs two hand-offs: the port's thread
// wakes a CAF worker, which wakes the port's thread with the answer. Served here it costs one
// uncontended lock.
//
// The master actor (master_impl, a mutex_held_actor) holds the mutex while it handles a
// message, and the port's
// thread only tries it: when the actor is busy, is a standby, or has applied something not yet
// durable (master_core::read_now), the port's thread asks the actor as before. So a read here
// sees exactly what the actor would have answered between two messages, and never waits.
#include <memory>
#include <mutex>
#include <optional>

#include <caf/actor_addr.hpp>

#include "proto/interfaces.hpp"

namespace dfs {

struct master_state;

class master_reads {
 public:
  // The answer, or nullopt: ask the master actor.
  std::optional<ns_reply> read(const ns_request& r);
  std::optional<ns_reply> read(const layout_request& r);
  std::optional<ns_reply> read(const versions_request& r);
  std::optional<ns_reply> read(const stale_read_request& r);

  // Mutations (mkdir, rm, mv, ...; the commit of a put) applied on this thread too: a delete's
  // hand-offs through the node and master actors cost about as much as its fsync. Only with
  // one master (its own journal) and when everything it applied is durable, so that the batch
  // this request makes holds its record alone: logged and fsynced here, as the actor's flush
  // does, before the answer. Effects besides the answer (a checkpoint due, repair updates) go
  // to the actor (master_state::port_effects and a flush message). nullopt: ask the actor.
  std::optional<ns_reply> apply(const ns_request& r);
  std::optional<ns_reply> apply(const put_commit& r);

 private:
  template <class, class, class>
  friend class mutex_held_actor;
  friend struct master_state;

  // By the actor before its behaviour starts, under mu_ (mutex_held_actor.hpp).
  void attach(master_state& st, const std::shared_ptr<master_reads>& me, caf::actor_addr actor);
  template <class F>
  std::optional<ns_reply> with_state(const char* op, F f);
  template <class F>
  std::optional<ns_reply> mutate(const char* op, uint64_t client, F call);

  // Recursive: the actor takes it around each message and again when its state goes.
  std::recursive_mutex mu_;
  master_state* st_ = nullptr;  // the actor's, while it lives (set and cleared under mu_)
  caf::actor_addr actor_;       // the master actor (weak), told about effects left for it
};

}  // namespace dfs
