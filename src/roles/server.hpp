#pragma once
#include <string>
#include <vector>

#include "common/config.hpp"

namespace dfs {

// Runs a server node with `roles` until SIGINT/SIGTERM; returns the process exit code.
int run_server(const config& cfg, const std::vector<std::string>& roles);

}  // namespace dfs
