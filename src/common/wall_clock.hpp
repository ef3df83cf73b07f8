#pragma once
// Wall-clock time as Unix milliseconds: node incarnations (node_id) and file mtimes. Read only
// at the edges (roles, actors) and passed into src/core, which never reads a clock.
#include <chrono>
#include <cstdint>

namespace dfs {

inline uint64_t wall_clock_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace dfs
