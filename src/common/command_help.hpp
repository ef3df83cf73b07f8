#pragma once
// The `help` of the client shell and the admin console: each command's usage on its own line,
// its description below it, indented and wrapped to fit 80 columns. A two-column table padded
// every line to the longest usage (~90 characters), so every line wrapped on a terminal.
#include <string>
#include <utility>
#include <vector>

namespace dfs {

// (usage, description) pairs, in the order given. Text is escaped (common/escape.hpp).
std::string render_command_help(const std::vector<std::pair<std::string, std::string>>& commands,
                                size_t width = 80);

}  // namespace dfs
