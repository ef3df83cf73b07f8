#pragma once
// `dfsnode-full --role client ... control-proxy`: the helper of a lean CLI process
// (client/proxy_master_fallback.hpp). Reads request frames on stdin, asks the master over the
// control port (CAF, caf_master_fallback) and writes each result on stdout, until stdin
// closes. Not a command for users: `help` does not list it.
#include "common/config.hpp"

namespace dfs {

// The exit code: 0 when stdin closed, 2 on a malformed frame (one line on stderr).
int run_control_proxy(const config& cfg);

}  // namespace dfs
