#pragma once
// CAF actor-system configuration shared by every process kind (servers, client, admin):
// scheduler from our config, middleman loaded, symmetric heartbeats, message types.
// CAF's own CLI and config-file parsing are never invoked (caf-0.17.md §6).
#include <caf/actor_system_config.hpp>

#include "common/config.hpp"

namespace dfs {

void configure_actor_system(caf::actor_system_config& caf_cfg, const config& cfg);

}  // namespace dfs
