#pragma once
// repair_planner: which under-replicated chunks to copy, from where, to where, in which order
// (issue 12, design.md §6 "repair"). Pure: the master hands it the chunks, the chunkservers and
// the time; it answers with copy orders and keeps the copies in flight to respect throttles.
// The repair actor (src/actors/master/repair_actor.hpp) holds it, through repair_service.
//
// Rules:
// - A replica counts while its server is healthy, or unhealthy for less than `delay` (it may come
//   back); a removed (dead, left) server's replicas are already gone from the chunk table.
// - Priority: fewest counted replicas first (one copy before all chunks with two), then chunks
//   marked hot (recently read or written), then by handle.
// - Source: a healthy server holding the current version (the chunk table lists only those:
//   stale and corrupt replicas are never sources). Target: a healthy server without the chunk,
//   not already receiving it, not failed for it recently; another zone than the existing replicas
//   when one exists; then the fewest copies in flight; then the most free space.
// - A draining server's replicas do not count; it is a source, never a target.
// - Throttles: at most `max_copies_per_server` copies in flight per server, as source and as
//   target together; at most `max_bytes_per_s` started per second overall (a token bucket that
//   holds at most one second of budget).
// - A failed copy frees its slots and its target is avoided for that chunk for `retry_after`.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/node_id.hpp"
#include "core/master/ids.hpp"
#include "core/registry/chunkserver_registry.hpp"
#include "core/time.hpp"

namespace dfs::master {

struct repair_options {
  uint32_t max_copies_per_server = 4;               // repair.max_copies_per_server
  uint64_t max_bytes_per_s = 400ull << 20;          // repair.max_mib_s
  core::duration delay = std::chrono::seconds(30);  // repair.delay_ms (unhealthy servers)
  core::duration retry_after = std::chrono::seconds(10);
  uint32_t max_orders_per_plan = 1024;
};

// A committed chunk as the master sees it.
struct repair_chunk {
  chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
  std::vector<node_id> replicas;  // current-version replicas on non-removed servers
  uint32_t target = 3;            // replication the chunk should have
  bool hot = false;               // a file recently read or written
};

struct repair_server {
  node_id id;
  registry::health state = registry::health::healthy;
  core::time_point unhealthy_since{};  // when it turned unhealthy (state unhealthy)
  uint64_t free_bytes = 0;
  std::string zone;
  // Being drained (console `drain`): its replicas do not count toward the target and it
  // receives no copies, but it is still a source.
  bool draining = false;
};

struct copy_order {
  uint64_t id = 0;  // names the copy in on_copy_done (one chunk may be copied twice over time)
  chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
  node_id source;
  node_id target;
};

struct repair_stats {
  uint64_t queued = 0;   // chunks below target at the last plan
  uint64_t missing = 0;  // chunks with no counted replica (nothing to copy from)
  uint64_t started = 0, done = 0, failed = 0;
  uint64_t bytes_started = 0;
  uint64_t bytes_done = 0;  // of the copies that succeeded
};

class repair_planner {
 public:
  explicit repair_planner(repair_options opts) : opts_(opts) {}

  // New copy orders at `now`, within the throttles and besides the copies in flight.
  [[nodiscard]] std::vector<copy_order> plan(const std::vector<repair_chunk>& chunks,
                                             const std::vector<repair_server>& servers,
                                             core::time_point now);
  // A move (rebalance): one copy of `c` from `source` to `target`, if neither is out of slots,
  // the byte budget allows it and no copy of `c` is in flight. The master trims the surplus
  // replica (on the fullest server) once the copy is done: a move never goes below target.
  [[nodiscard]] std::optional<copy_order> plan_move(const repair_chunk& c, const node_id& source,
                                                    const node_id& target, core::time_point now);
  // A copy finished: ok (the target holds the chunk durably) or failed. Unknown ids (copies
  // already counted as failed when their server went) are ignored.
  void on_copy_done(const copy_order& o, bool ok, core::time_point now);
  // A server is gone: its copies in flight (as source or target) count as failed.
  void on_server_gone(const node_id& n, core::time_point now);

  size_t in_flight() const { return in_flight_.size(); }
  bool copying(chunk_handle h) const { return in_flight_.count(h.value) > 0; }
  uint32_t load(const node_id& n) const;  // copies in flight with n as source or target
  const repair_stats& stats() const { return stats_; }
  const repair_options& options() const { return opts_; }

 private:
  struct flight {
    uint64_t id;
    node_id source, target;
    uint64_t size_bytes = 0;
  };
  void refill(core::time_point now);
  // Records a copy in flight (slots, budget, stats) and names it.
  copy_order start(const repair_chunk& c, const node_id& source, const node_id& target);
  void finish(std::multimap<uint64_t, flight>::iterator it, bool ok, core::time_point now);

  repair_options opts_;
  std::multimap<uint64_t, flight> in_flight_;  // by chunk handle
  std::map<node_id, uint32_t, node_id_lookup_less> load_;
  std::map<std::pair<uint64_t, node_id>, core::time_point> avoid_until_;  // (chunk, target)
  double budget_bytes_ = 0;
  core::time_point last_refill_{};
  bool refilled_ = false;
  uint64_t next_order_id_ = 1;
  repair_stats stats_;
};

}  // namespace dfs::master
