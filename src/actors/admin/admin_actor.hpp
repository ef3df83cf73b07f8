#pragma once
// The admin console's server side, present in every server node. Built-in commands (help,
// node, log-level) are answered here; role commands (e.g. `chunkservers` on a master) are
// delegated to the role actor that registered them.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "common/node_id.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

struct node_info {
  node_id id;
  std::vector<std::string> roles;
  std::chrono::steady_clock::time_point started;
  uint16_t control_port = 0, data_port = 0, multicast_port = 0, http_port = 0;
};

struct admin_command {
  std::string usage;   // e.g. "chunkservers"
  std::string help;    // one line
  admin_actor target;  // answers admin_request for this command
  // Changes the node's state (leave, fault injection, ...): only for admin certificates.
  bool changes_state = false;
};

using admin_commands = std::map<std::string, admin_command>;

admin_actor::behavior_type admin_fn(admin_actor::pointer self, node_info info,
                                    admin_commands commands);

}  // namespace dfs
