#pragma once
// The client's side of LAN discovery (cluster.discovery = multicast): find the master and the
// fileservers on cluster.multicast_group instead of master.address / client.fileservers, and
// the `discover` command that prints what answers.
#include <string>

#include "common/config.hpp"

namespace dfs {

// How long a client listens for answers (at most client.timeout_ms).
inline constexpr uint32_t discovery_window_ms = 1000;

// Sets cfg.master.address and cfg.client.fileservers to the servers that answer (stopping
// early once a master and a fileserver have); an error line if none does or it cannot probe.
std::string discover_servers(config& cfg);

// `discover`: every server that answers within the window, with its roles; exit code.
int cmd_discover(const config& cfg);

}  // namespace dfs
