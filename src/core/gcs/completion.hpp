#pragma once
// The coordinator's decision at the end of a view change, as a pure function of the FLUSH
// answers: is the new view primary, which messages complete the old primary view and in which
// order, which members need a state snapshot and which snapshot they get.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/gcs/messages.hpp"

namespace dfs::gcs {

struct completion {
  install_msg install;               // without snapshot; view, entries, originated_upto filled
  std::vector<bool> needs_snapshot;  // per rank of install.view.members
  uint64_t snapshot_seq = 0;
  node_id snapshot_from;  // whose FLUSH the state is from (set when any leading one has one)
  std::string snapshot;   // its bytes, when a member needs them (needs_snapshot)
  std::string summary;    // for the coordinator's log event
};

// `members` sorted; `flushes` holds one FLUSH per member. DFS_ASSERT fails when the
// FLUSH answers contradict each other (two messages for one seq): a protocol bug, never input.
completion compute_completion(const view_id& id, const std::vector<node_id>& members,
                              const std::map<node_id, flush_msg>& flushes,
                              uint32_t expected_group_size);

}  // namespace dfs::gcs
