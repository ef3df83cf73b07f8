#pragma once
// The client's storage commands (put, get, cat, ls, stat, mkdir, rm, versions, store), hooked
// into the client shell's command table (client_shell.cpp).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "client/storage_client.hpp"

namespace dfs {

struct storage_command {
  std::string usage;
  std::string help;
  // One storage_client serves every command of a shell session (connections, reservations).
  std::function<int(storage_client&, const std::vector<std::string>&)> run;
};

const std::map<std::string, storage_command>& storage_commands();

}  // namespace dfs
