#pragma once
// The master's control actor: owns the chunkserver registry (src/core/registry), answers
// registrations and heartbeats, ticks health, and serves the master's console commands.
#include <caf/typed_event_based_actor.hpp>

#include "common/config.hpp"
#include "core/registry/chunkserver_registry.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

struct master_state {
  static inline const char* name = "master";
  master_state() : registry(registry::registry_options{}) {}
  registry::chunkserver_registry registry;
  node_id self;
  uint32_t heartbeat_interval_ms = 1000;
};

master_actor::behavior_type master_fn(master_actor::stateful_pointer<master_state> self,
                                      config cfg, node_id id);

}  // namespace dfs
