#pragma once
// `dfsnode --role ca`: the cluster's certificate authority on the command line.
#include <string>
#include <vector>

#include "common/config.hpp"

namespace dfs {

// init DIR | issue DIR NAME --kind server|client|admin [--host H]...
// | token NAME --kind client|admin [--ttl S] (signed with `cfg`'s cluster.key, for the HTTP
// gateway); returns the exit code.
int run_ca(const std::vector<std::string>& args, const config& cfg);

}  // namespace dfs
