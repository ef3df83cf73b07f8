#pragma once
// The client's storage commands, hooked into the client shell's command table
// (client_shell.cpp). Transfers (put, get, cat, versions, edit), a chunkserver's store, leases
// and the table are in storage_commands.cpp; the namespace commands (ls, du, stat, mkdir, rm,
// mv, snapshot, trash, undelete) in namespace_commands.cpp; write, append and verify in
// mutation_commands.cpp; lock in lock_command.cpp.
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
