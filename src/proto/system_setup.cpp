#include "proto/system_setup.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "proto/registry.hpp"

namespace dfs {

void configure_actor_system(caf::actor_system_config& caf_cfg, const config& cfg) {
  caf_cfg.set("scheduler.max-threads", static_cast<size_t>(cfg.caf.threads));
  caf_cfg.set("scheduler.policy", caf::atom_from_string(cfg.caf.policy));
  // Heartbeats must be set on both ends of a connection (else idle links get dropped), so
  // every dfsnode process, tools included, sets them from the same config keys.
  caf_cfg.set("middleman.heartbeat-interval",
              caf::timespan{std::chrono::milliseconds(cfg.caf.heartbeat_interval_ms)});
  caf_cfg.set("middleman.connection-timeout",
              caf::timespan{std::chrono::milliseconds(cfg.caf.connection_timeout_ms)});
  caf_cfg.load<caf::io::middleman>();
  register_message_types(caf_cfg);
}

}  // namespace dfs
