#pragma once
// The client's storage commands (put, get, cat, ls, stat, mkdir, rm, versions, store), hooked
// into the client shell's command table (client_shell.cpp).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "common/config.hpp"

namespace dfs {

struct storage_command {
  std::string usage;
  std::string help;
  std::function<int(caf::actor_system&, const config&, const std::vector<std::string>&)> run;
};

const std::map<std::string, storage_command>& storage_commands();

}  // namespace dfs
