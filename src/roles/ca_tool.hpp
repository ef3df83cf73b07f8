#pragma once
// `dfsnode --role ca`: the cluster's certificate authority on the command line.
#include <string>
#include <vector>

namespace dfs {

// init DIR | issue DIR NAME --kind server|client|admin [--host H]... ; returns the exit code.
int run_ca(const std::vector<std::string>& args);

}  // namespace dfs
