#pragma once
// repair_service: the repair actor's whole logic (design.md §6 "repair", issue 12 item 1), pure.
// The master owns the chunk table and the chunkserver registry; the repair actor owns the
// planner (copies in flight, throttles, failed targets to avoid). They talk in updates:
//
//   master ──repair_update──▶ repair actor      outcomes of copies, servers gone, and when a plan
//          ◀──repair_answer──                   is due the chunks below target, the servers and
//                                               rebalance candidates; the answer: copy orders
//
// The master hands the orders out with heartbeat replies and reports how each ended (or timed
// out) in a later update. Orders planned on a view the master has since changed are safe: a
// freed chunk or a gone server makes the master fail the order back in the next update.
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "core/master/repair_planner.hpp"

namespace dfs::master {

struct copy_outcome {
  copy_order order;
  bool ok = false;
};

// Rebalance (issue 12 item 6): with nothing queued for repair, move chunks from `source` (the
// fullest server) to `target` (the emptiest) until about `bytes` have moved.
struct move_request {
  node_id source, target;
  std::vector<repair_chunk> candidates;  // on source, not on target, at their target count
  uint64_t bytes = 0;
};

struct repair_update {
  std::vector<copy_outcome> outcomes;  // copies that ended (done, failed, timed out)
  std::vector<node_id> gone;           // servers removed: their copies have failed
  bool plan = false;                   // plan now from the fields below
  std::vector<repair_chunk> chunks;    // chunks with fewer healthy replicas than their target
  std::vector<repair_server> servers;  // registered, not removed
  std::optional<move_request> rebalance;
};

struct repair_progress {
  repair_stats stats;
  uint64_t in_flight = 0;
  double bytes_per_s = 0;  // copied, over the last ~10 s
  repair_options options;
};

struct repair_answer {
  std::vector<copy_order> orders;
  uint32_t moves = 0;  // how many of `orders` (the last ones) are rebalance moves
  repair_progress progress;
};

class repair_service {
 public:
  explicit repair_service(repair_options o) : planner_(o) {}

  [[nodiscard]] repair_answer on_update(const repair_update& u, core::time_point now);
  repair_progress progress() const;
  const repair_planner& planner() const { return planner_; }

 private:
  repair_planner planner_;
  std::deque<std::pair<core::time_point, uint64_t>> rate_;  // (when, bytes_done) per plan
};

}  // namespace dfs::master
