#pragma once
// primary_leases: a chunkserver's own view of the chunk leases it holds as primary (GFS §3.1),
// kept by its own clock so that it stops acting as primary in time even when it cannot reach
// the master. Pure: the actor (or the simulation) passes its clock in.
//
//   not primary ──grant in the reply to a heartbeat sent at s──▶ primary until s + holder
//        ▲                                                          │ renewal (reply to a
//        │                                                          │ heartbeat sent at s'):
//        └──────────── own clock passes the expiry ◀────────────────┘ until s' + holder
//
// Why it is safe (core/master/lease_table.hpp): the master counts a lease from when it
// RECEIVED the heartbeat whose reply handed it out, for `duration`; this side counts from when
// it SENT that heartbeat (earlier in real time) for `holder` = duration shortened by the drift
// bound (the master computes it and sends it along, so both sides use one configuration). A
// reply that arrives late, twice, or after a newer lease went to another server cannot stretch
// a lease: its expiry is fixed by the send time of the heartbeat it answers.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/master/messages.hpp"
#include "core/time.hpp"

namespace dfs::chunkserver {

struct held_lease {
  uint64_t chunk_version = 0;
  core::time_point expiry{};  // own clock
  bool extend = false;        // mutations since the last heartbeat: ask for an extension
};

class primary_leases {
 public:
  // A grant or renewal from the reply to a heartbeat this server sent at `sent_at` (own clock).
  // Returns false (and changes nothing) if it is already over at `now`, or older than the
  // lease held (a lower version).
  bool on_grant(const lease_grant& g, core::time_point sent_at, core::time_point now);
  // True while the lease on `handle` runs by our clock: only then may we act as primary.
  bool is_primary(uint64_t handle, core::time_point now) const;
  // The version of the lease held on `handle` at `now`, if any.
  std::optional<uint64_t> version(uint64_t handle, core::time_point now) const;
  std::optional<core::time_point> expiry(uint64_t handle, core::time_point now) const;
  // A mutation ordered as primary: the next heartbeat asks for an extension.
  void note_mutation(uint64_t handle);
  // What the next heartbeat says: every lease still running (the master's acknowledgement that
  // the primary took it), with `extend` for those with mutations since the last claims; drops
  // those over.
  std::vector<lease_claim> claims(core::time_point now);
  // The master revoked the lease on `handle` at `version` (a chunk short of replicas is copied
  // once no lease on it can run): stop acting as its primary now. Returns false (and changes
  // nothing) if no lease of that version runs. The release is named by released() until the
  // lease would have ended, and no grant of that version or older is taken again.
  bool release(uint64_t handle, uint64_t version, core::time_point now);
  // What heartbeats say the master may count as over: every released lease that would still
  // run (drops the others). Repeated in each heartbeat, so a lost one costs nothing.
  std::vector<lease_revocation> released(core::time_point now);
  // The chunk is gone from this server (deleted, corrupt): never its primary again.
  void drop(uint64_t handle) { held_.erase(handle); }
  // Restart: leases are volatile.
  void clear() {
    held_.clear();
    released_.clear();
  }

  const std::map<uint64_t, held_lease>& all() const { return held_; }

 private:
  std::map<uint64_t, held_lease> held_;
  std::map<uint64_t, held_lease> released_;  // by handle: the version given up, its old expiry
};

}  // namespace dfs::chunkserver
