#pragma once
// The master's replicator actor (design.md §6 "replicator", issue 12 item 5): counts client
// reads per chunk from the chunkservers' heartbeats (master::hot_chunks) and tells the master,
// when it asks (once per repair interval), which chunks are hot now. The master raises their
// target to replicator.max_replicas and repair copies them up; once cold, they are trimmed.
#include "core/master/hot_chunks.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

struct replicator_state {
  static inline const char* name = "replicator";
  master::hot_chunks hot{master::hot_options{}};  // options set at spawn
};

using replicator_self = replicator_actor::stateful_pointer<replicator_state>;

replicator_actor::behavior_type replicator_fn(replicator_self self, master::hot_options opts);

}  // namespace dfs
