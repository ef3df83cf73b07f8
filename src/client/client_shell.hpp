#pragma once
#include <string>
#include <vector>

#include "common/config.hpp"

namespace dfs {

// `dfsnode --role client [COMMAND...]`: runs one command, or an interactive shell when no
// command is given (or `shell [--status-fd N]`, see client_shell.cpp). Errors are one line on
// stderr; returns the exit code.
int run_client(const config& cfg, const std::vector<std::string>& args);

}  // namespace dfs
