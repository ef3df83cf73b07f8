#pragma once
// master_finder: which master a client or chunkserver asks next (issue 15). With
// master.replicas > 1 one master of cluster.masters is active and the others are standbys that
// answer not_leader with a hint (leader_hint.hpp). The finder holds the candidates
// (config::master_endpoints()) and a cursor:
//
//   current() ──ask──▶ answered ──────────────▶ on_success()   (stay)
//                 │
//                 └─▶ failed / not_leader ─────▶ on_failure(hint)
//                       hint is a candidate ──▶ that one (hint first)
//                       otherwise ───────────▶ the next one (round robin)
//
// Hints are followed at most size() times in a row: two standbys that still name each other
// in the middle of an election cannot keep a caller between them; round robin then reaches
// the active one. A hint naming a master not in the list is ignored unless the list came from
// LAN discovery (learn_hints): the hint arrives over the mutually authenticated control
// connection of a cluster member, but a configured list is the operator's word. With one
// master, current() is always that master. Pure: no I/O, no clock; the caller paces retries.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/node_id.hpp"

namespace dfs::master {

enum class hint_policy : uint8_t {
  configured_only,  // follow a hint only to a master of the list (cluster.masters)
  learn,            // also add a hinted master that is not in the list (discovered lists)
};

class master_finder {
 public:
  // `masters` must not be empty (config::master_endpoints() never is for a valid config).
  explicit master_finder(std::vector<endpoint> masters,
                         hint_policy policy = hint_policy::configured_only);

  const endpoint& current() const { return masters_[at_]; }
  // After a failed attempt at current() (no connection, timeout, lost link, not_leader):
  // the candidate to try next; `hint` is the active master a standby named, if any.
  const endpoint& on_failure(const std::optional<endpoint>& hint = std::nullopt);
  // current() answered: stay with it.
  void on_success();
  // Start from `m` if it is a candidate (the active master an earlier process found); false
  // and nothing changed otherwise.
  bool prefer(const endpoint& m);

  size_t size() const { return masters_.size(); }
  bool single() const { return masters_.size() == 1; }
  const std::vector<endpoint>& candidates() const { return masters_; }
  // Failures since the last success (or the start).
  uint32_t failures() const { return failures_; }

 private:
  std::vector<endpoint> masters_;
  hint_policy policy_;
  size_t at_ = 0;
  uint32_t failures_ = 0;
  uint32_t hints_in_a_row_ = 0;
};

}  // namespace dfs::master
