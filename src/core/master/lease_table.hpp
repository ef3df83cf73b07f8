#pragma once
// lease_table: the master's chunk leases (GFS §3.1, design.md §6 "lease_manager"). One replica
// of a chunk, the primary, may order the chunk's mutations while it holds the lease. Pure: the
// master core passes its own clock in; nothing here is persisted (leases are volatile, the
// version bump that comes with each grant is logged by the core before the grant is used).
//
//            reserve (bump record applied, not yet durable)
//   (none) ───────────▶ reserved ──durable──▶ offering ──primary's heartbeat──▶ active
//     ▲                    │ log failed           │ offer_timeout, or the          │ expiry
//     │                    ▼                      ▼ primary is gone (it never       ▼ (master
//     clock) └──────────────── dropped ◀──────────────────  heard of it: safe to drop)   fenced ▲
//     │ expiry+margin
//     └────────────────────────────────────────────────────────────────────────────┘
//
// Safety (at most one primary per chunk at any real instant), given clock rates within
// ±max_drift_ppm of real time:
// - A lease becomes active only when handed out in the reply to a heartbeat of its primary,
//   and its master-clock expiry counts from the master's receipt of that heartbeat; the
//   primary counts from when it SENT the heartbeat (earlier in real time) and shortens the
//   duration by the drift bound (chunkserver/primary_lease.hpp). So the primary's lease ends,
//   in real time, no later than the master's expiry would if the master's clock ran slow.
// - A new lease on the chunk needs the old one past expiry + margin() by the master's clock,
//   also when the old primary is unreachable: the margin covers the master's own clock
//   running fast (margin = duration × drift, rounded up; see README "Leases").
// - A restarted master forgot its table: it grants nothing until duration + margin after it
//   started (`started` in the constructor), so every lease of its previous life has ended;
//   except where the core knows which primary alone can hold one (master_takeover.cpp).
// - Renewal (no version bump) only by the holder, only while the lease is active.
// - Revocation (GFS §3.1, §3.4): the master asks the primary in a heartbeat reply to give a
//   lease up; the lease ends only when the primary's heartbeat says it did (it stopped ordering
//   before that heartbeat left), so one that never hears or never answers keeps it to expiry.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/node_id.hpp"
#include "core/master/ids.hpp"
#include "core/time.hpp"

namespace dfs::master {

struct lease_options {
  core::duration duration = std::chrono::seconds(60);  // lease.duration_ms
  uint32_t max_drift_ppm = 1000;                       // lease.max_drift_ppm
  // A grant the primary never took (no heartbeat from it): dropped, the client gets an error.
  core::duration offer_timeout = std::chrono::seconds(10);  // lease.offer_timeout_ms

  // Wait after a lease's master-clock expiry before another grant: duration × drift, rounded
  // up, plus 1 ms for the rounding of the primary's shortened duration.
  core::duration margin() const;
  // The primary's own lease length: duration shortened by the drift bound, rounded down.
  core::duration holder_duration() const;
};

enum class lease_phase : uint8_t { reserved, offering, active, fenced };
const char* to_string(lease_phase p);

struct lease_info {
  chunk_handle handle;
  node_id primary;
  std::vector<node_id> secondaries;  // live current replicas at the grant
  uint64_t chunk_version = 0;        // the version this grant bumped the chunk to
  lease_phase phase = lease_phase::reserved;
  core::time_point expiry{};          // active/fenced: master clock
  core::time_point offer_deadline{};  // reserved/offering: dropped after this
  bool acked = false;                 // the primary confirmed it holds the lease
  // reserved/offering, superseding a running lease of the same primary (supersede): that one
  // may run until then (master clock). Dropped before its primary took it, this grant leaves
  // the chunk fenced until then instead of free.
  core::time_point supersedes_until{};
};

// What a heartbeat of a primary says about one lease it holds (or took).
struct lease_claim_entry {
  chunk_handle handle;
  uint64_t chunk_version = 0;
  bool extend = false;  // mutations are going on: extend it
};

// A grant or renewal handed to a primary in its heartbeat reply.
struct lease_offer_entry {
  chunk_handle handle;
  uint64_t chunk_version = 0;
};

// Why no new lease can be granted now, and when to ask again.
struct grant_refusal {
  std::string why;
  core::time_point retry_at{};
};

class lease_table {
 public:
  // `started`: when this master started (its clock); no grant before started + duration +
  // margin, since its previous life's leases may still run.
  lease_table(lease_options opts, core::time_point started);

  const lease_options& options() const { return opts_; }
  core::time_point quiet_until() const { return quiet_until_; }

  // The entry of `h` (any phase), or null.
  const lease_info* find(chunk_handle h) const;
  // The lease on `h` if active at `now` (the one to give clients), else null.
  const lease_info* valid(chunk_handle h, core::time_point now) const;
  // Empty if a new lease on `h` may be granted at `now`. `earlier_life_settled`: the caller
  // knows that no lease of an earlier life can stand in the way (master_takeover.cpp), so the
  // wait after a start does not apply to `h`.
  std::optional<grant_refusal> check_grant(chunk_handle h, core::time_point now,
                                           bool earlier_life_settled = false) const;
  // A grant whose version bump was just applied (precondition: check_grant, with the same
  // `earlier_life_settled`, was empty).
  void reserve(chunk_handle h, const node_id& primary, std::vector<node_id> secondaries,
               uint64_t chunk_version, core::time_point now, bool earlier_life_settled = false);
  // The primary of the active, confirmed lease on `h` may take a new one at once, with other
  // secondaries (a secondary of the running one is gone): still one primary either way, and
  // its newer version replaces the old lease (primary_leases::on_grant).
  bool may_supersede(chunk_handle h, const node_id& primary, core::time_point now) const;
  // That new grant, its version bump just applied (precondition: may_supersede). Renewals of
  // the old version stop; if the new grant is dropped untaken, the chunk stays fenced until
  // the old lease's expiry.
  void supersede(chunk_handle h, std::vector<node_id> secondaries, uint64_t chunk_version,
                 core::time_point now);
  // The bump record is durable (ok: offer it to the primary) or will never be (drop it).
  void on_logged(chunk_handle h, uint64_t chunk_version, bool ok);
  // A heartbeat from `n` received at `now`: offers to put in its reply (its pending grants,
  // which become active now, and renewals of active leases it asked to extend); `acked` gets
  // the handles of leases whose primary confirmed them.
  std::vector<lease_offer_entry> on_heartbeat(const node_id& n,
                                              const std::vector<lease_claim_entry>& claims,
                                              core::time_point now,
                                              std::vector<chunk_handle>& acked);
  // Whether the active lease on `h` at `chunk_version` held by `primary` runs at `now` and is
  // confirmed: one the master may ask its primary to give up (revoke).
  bool revocable(chunk_handle h, const node_id& primary, uint64_t chunk_version,
                 core::time_point now) const;
  // `n` gave the lease on `h` at `chunk_version` up when the master revoked it: it stopped
  // ordering before it said so, so that lease ends now, as if it had expired (fenced for the
  // margin, which also lets mutations it sent before settle on the replicas). True if it was
  // running; a repeated or stale report changes nothing.
  bool on_released(const node_id& n, chunk_handle h, uint64_t chunk_version, core::time_point now);
  // Time passes: active leases past expiry become fenced, fenced ones past expiry + margin
  // and offers past their deadline are dropped. Returns the handles of dropped offers.
  std::vector<chunk_handle> on_tick(core::time_point now);
  // `n` is gone (removed by the registry): its offers are dropped (it never heard of them);
  // its active leases run to their end, since it may only be cut off and still act on them.
  // Returns the dropped handles.
  std::vector<chunk_handle> on_node_gone(const node_id& n);
  // A chunkserver registered as `fresh`: every other incarnation at its address has ended (it
  // held that port and its data directory's lock until its process exited), so no lease one
  // of them held can run. They are dropped (returned), whether or not membership already
  // declared that incarnation dead, and the chunks take new leases at once instead of a lease
  // duration later. (A reserved one waits for its record's outcome, then its offer deadline.)
  std::vector<chunk_handle> on_restarted(const node_id& fresh);

  const std::map<uint64_t, lease_info>& all() const { return leases_; }

 private:
  template <class Pred>
  std::vector<chunk_handle> drop_if(Pred pred);  // drops matching leases, returns their handles
  // Drops an untaken grant: erased, or fenced until the lease it superseded ends.
  std::map<uint64_t, lease_info>::iterator drop(std::map<uint64_t, lease_info>::iterator it);

  lease_options opts_;
  core::time_point quiet_until_;
  std::map<uint64_t, lease_info> leases_;  // by handle
};

}  // namespace dfs::master
