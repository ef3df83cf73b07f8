#pragma once
// What a node keeps on disk, and how a disk is born. The protocol (node.hpp) says what must be
// durable when (effects); the owner writes it.
//
//   hard state (replaced, synced)    snapshot (replaced, synced)     log (appended,
//   group-committed) incarnation, term, voted_for     meta (index, term, config),     entries >
//   snapshot index, in
//                                    application state bytes         order; a truncation drops a
//                                                                    suffix first
//
// Genesis: only the cluster's very first start may create disks with `bootstrap` (every
// configured master at incarnation 0, all voters). Any later empty disk -- a wiped data dir, a
// replacement machine -- is created with bootstrap off and a fresh incarnation: it is a learner
// until the leader readmits it (README.md, "Wiped disks and genesis").
#include <cstdint>
#include <string>
#include <vector>

#include "core/replog/messages.hpp"

namespace dfs::replog {

struct hard_state {
  uint64_t incarnation = 0;  // of this disk; never changes
  uint64_t term = 0;
  endpoint voted_for;              // empty host and port 0: none in `term`
  uint64_t voted_incarnation = 0;  // of voted_for
  // An index known committed whose entries are in this disk's log (written when a configuration
  // entry commits): after a restart the node still knows which voter set is in force alone.
  uint64_t commit = 0;

  friend bool operator==(const hard_state& a, const hard_state& b) {
    return a.incarnation == b.incarnation && a.term == b.term && a.voted_for == b.voted_for &&
           a.voted_incarnation == b.voted_incarnation && a.commit == b.commit;
  }
};

struct durable_state {
  hard_state hard;
  snapshot_meta snapshot;
  std::string snapshot_data;  // state_machine::snapshot() at snapshot.index ("" at index 0)
  std::vector<entry> log;     // synced entries; those > snapshot.index must continue it
};

// The state a new, empty disk starts with. The owner writes it (synced) before the node runs.
// bootstrap: the genesis configuration lists every one of `masters` at incarnation 0 and this
// disk is incarnation 0. Otherwise the configuration is unknown and the disk takes `incarnation`
// (> 0, greater than any earlier incarnation of this address).
durable_state fresh_disk(const std::vector<endpoint>& masters, bool bootstrap,
                         uint64_t incarnation);

}  // namespace dfs::replog
