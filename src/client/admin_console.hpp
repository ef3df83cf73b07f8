#pragma once
#include <string>
#include <vector>

#include "common/config.hpp"

namespace dfs {

// `dfsnode --role admin --connect HOST:PORT [COMMAND...]`: one command, or an interactive
// console when no command is given. Returns the exit code.
int run_admin(const config& cfg, const std::string& connect, const std::vector<std::string>& args);

}  // namespace dfs
