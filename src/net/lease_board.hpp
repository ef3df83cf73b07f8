#pragma once
// The leases a chunkserver holds as primary, shared between the master_link actor (which
// takes grants and renewals from heartbeat replies, core/chunkserver/primary_lease.hpp) and
// the data-port threads of the mutation service (which order mutations only while a lease
// runs, by this server's clock). The actor publishes its view after every change; the
// service reads a copy and leaves notes (a mutation succeeded: ask for an extension; the
// lease must be given up) that the actor applies before its next heartbeat's claims.
#include <mutex>
#include <set>

#include "core/chunkserver/primary_lease.hpp"

namespace dfs::net {

class lease_board {
 public:
  void publish(const chunkserver::primary_leases& l) {
    std::lock_guard lk(mu_);
    leases_ = l;
    // A note made after the view the actor published is kept; one already applied is not
    // undone by an older view: drops win until the actor has applied them.
    for (auto h : drops_) leases_.drop(h);
  }
  chunkserver::primary_leases view() const {
    std::lock_guard lk(mu_);
    return leases_;
  }
  void note_mutation(uint64_t handle) {
    std::lock_guard lk(mu_);
    mutated_.insert(handle);
  }
  void drop(uint64_t handle) {
    std::lock_guard lk(mu_);
    drops_.insert(handle);
    leases_.drop(handle);
  }
  // The actor, before a heartbeat: carries the notes into its own view.
  void apply_notes(chunkserver::primary_leases& l) {
    std::lock_guard lk(mu_);
    for (auto h : drops_) l.drop(h);
    for (auto h : mutated_) l.note_mutation(h);
    drops_.clear();
    mutated_.clear();
  }

 private:
  mutable std::mutex mu_;
  chunkserver::primary_leases leases_;
  std::set<uint64_t> mutated_;
  std::set<uint64_t> drops_;
};

}  // namespace dfs::net
