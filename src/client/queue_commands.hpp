#pragma once
// `dfsnode --role client queue ...`: the FTQueue operations from the command line.
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "common/config.hpp"

namespace dfs {

constexpr const char* queue_usage =
    "queue create LABEL | destroy ID | id LABEL | push ID ITEM | pop ID | top ID | size ID";

// args[0] == "queue". Prints the result on stdout; an error is one line on stderr and a
// non-zero return.
int run_queue_command(caf::actor_system& sys, const config& cfg,
                      const std::vector<std::string>& args);

}  // namespace dfs
