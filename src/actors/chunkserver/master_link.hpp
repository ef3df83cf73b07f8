#pragma once
// A chunkserver's link to the master: connects (and reconnects) to the master's node actor,
// registers with a full chunk report, then heartbeats with incremental reports; the
// master's replies name chunks to delete. A refused heartbeat (the master restarted and does not
// know us) or a lost connection leads back to registration, so master restarts need no operator.
//
//   connecting ──connected──▶ registering ──ack──▶ registered ──tick──▶ heartbeat
//       ▲                          │                    │ refused        │
//       └───── down / error ───────┴────────────────────┴────────────────┘
#include <cstdint>
#include <memory>
#include <string>

#include <caf/typed_event_based_actor.hpp>

#include "common/config.hpp"
#include "proto/interfaces.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

using master_link_actor =
    caf::typed_actor<caf::reacts_to<connect_atom>, caf::reacts_to<register_atom>,
                     caf::reacts_to<tick_atom, uint64_t>>;

struct master_link_state {
  static inline const char* name = "master_link";
  config cfg;
  node_id self;
  endpoint master_addr;
  node_actor master;
  bool registered = false;
  uint64_t generation = 0;  // bumps on every (re)connect: stale ticks are ignored
  uint64_t heartbeat_seq = 0;
  uint32_t connect_failures = 0;
  std::shared_ptr<chunk_store> store;  // reports come from it, deletes go to it
};

master_link_actor::behavior_type master_link_fn(
    master_link_actor::stateful_pointer<master_link_state> self, config cfg, node_id id,
    std::shared_ptr<chunk_store> store);

// Capacity and free bytes of the file system holding `dir` (capped by `capacity_bytes` > 0).
std::pair<uint64_t, uint64_t> offered_space(const std::string& dir, uint64_t capacity_bytes);

}  // namespace dfs
