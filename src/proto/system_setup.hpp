#pragma once
// CAF actor-system configuration shared by every process kind (servers, client, admin):
// scheduler from our config, middleman and TLS (libcaf_openssl) loaded with the process's
// certificates, symmetric heartbeats, message types. net::check_tls_files() (net/tls_check.hpp)
// first: CAF itself only fails at the first connection.
// CAF's own CLI and config-file parsing are never invoked (caf-0.17.md §6).
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "common/config.hpp"

namespace dfs {

// `roles`: the node's (config::scheduler_threads); none for tools.
void configure_actor_system(caf::actor_system_config& caf_cfg, const config& cfg,
                            const std::vector<std::string>& roles = {});

}  // namespace dfs
