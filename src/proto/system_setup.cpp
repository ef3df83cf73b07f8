#include "proto/system_setup.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include "proto/registry.hpp"

namespace dfs {

void configure_actor_system(caf::actor_system_config& caf_cfg, const config& cfg,
                            const std::vector<std::string>& roles) {
  caf_cfg.set("scheduler.max-threads", static_cast<size_t>(cfg.scheduler_threads(roles)));
  caf_cfg.set("scheduler.policy", caf::atom_from_string(cfg.caf.policy));
  // Heartbeats must be set on both ends of a connection (else idle links get dropped), so
  // every dfsnode process, tools included, sets them from the same config keys.
  caf_cfg.set("middleman.heartbeat-interval",
              caf::timespan{std::chrono::milliseconds(cfg.caf.heartbeat_interval_ms)});
  caf_cfg.set("middleman.connection-timeout",
              caf::timespan{std::chrono::milliseconds(cfg.caf.connection_timeout_ms)});
  caf_cfg.load<caf::io::middleman>();
  // Every CAF link is mutual TLS (caf-0.17.md §9): all three files, always — with none set,
  // CAF falls back to anonymous TLS, which is open to a man in the middle.
  caf_cfg.load<caf::openssl::manager>();
  caf_cfg.openssl_certificate = cfg.tls.cert;
  caf_cfg.openssl_key = cfg.tls.key;
  caf_cfg.openssl_cafile = cfg.tls.ca;
  register_message_types(caf_cfg);
}

}  // namespace dfs
