#pragma once
#include <caf/actor_system_config.hpp>

namespace dfs {

// Registers every message type that travels between nodes, under one stable name each.
// Every process (servers, client, admin) must call this before building its actor system.
void register_message_types(caf::actor_system_config& cfg);

}  // namespace dfs
