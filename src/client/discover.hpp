#pragma once
// The client's side of LAN discovery (cluster.discovery = multicast): find the master and the
// fileservers on cluster.multicast_group instead of master.address / client.fileservers, and
// the `discover` command that prints what answers.
#include <cstdint>
#include <string>

#include "common/config.hpp"

namespace dfs {

// How long a client listens for answers (at most client.timeout_ms).
inline constexpr uint32_t discovery_window_ms = 1000;

// What a client waits for: a storage command only for the master (it stops listening at the
// first master's answer); queue commands and the shell for every fileserver (the whole window),
// so that a queue operation can fail over between them.
enum class discovery_need : uint8_t { master, all };

// Sets cfg.master.address (the first master), cfg.cluster.masters (every master) and
// cfg.client.fileservers to the servers that answer; an error line if none does or it cannot
// probe.
std::string discover_servers(config& cfg, discovery_need need);

// `discover`: every server that answers within the window, with its roles; exit code.
int cmd_discover(const config& cfg);

}  // namespace dfs
