#pragma once
// `dfsnode --role client queue ...`: the FTQueue operations from the command line.
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "common/config.hpp"

namespace dfs {

class queue_client;

constexpr const char* queue_usage =
    "queue create LABEL | destroy ID | id LABEL | push ID ITEM | pop ID | top ID | size ID | "
    "again";

// args[0] == "queue". `queue again` (a shell's) asks the group once more for the last call that
// ended "outcome unknown", with its request number: applied at most once, so a pop whose item
// the group took is answered with that item instead of losing it. Prints the result on stdout; an
// error is one line on stderr and a non-zero return. `client` is made by the first command and kept
// by the caller for the next ones: a shell's commands are one client of the group (one client id,
// increasing request numbers), which keeps one entry in the group's table of recent results instead
// of one per command, and keeps its connections.
int run_queue_command(caf::actor_system& sys, const config& cfg,
                      const std::vector<std::string>& args, std::unique_ptr<queue_client>& client);

}  // namespace dfs
