#pragma once
// spdlog set-up: one logger per subsystem ("main", "master", "membership", ...), all sharing
// the node's sinks (console + rotating file under <data_dir>/logs). Every line names the node.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "common/config.hpp"

namespace dfs::log {

// Installs the sinks. `node` is the node id string printed on every line; `file` false keeps
// the log on the console only (client/admin tools).
void init(const config& cfg, const std::string& node, bool file);

// The logger of a subsystem, created on first use with the node's sinks.
std::shared_ptr<spdlog::logger> get(const std::string& subsystem);

// Changes the level of every logger; false if `level` is not a level name.
bool set_level(const std::string& level);
std::string level();

// Flushes and drops all loggers (call before exit).
void shutdown();

}  // namespace dfs::log
