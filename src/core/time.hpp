#pragma once
// Time as seen by the pure protocol classes in src/core. They never read a clock: the owning
// actor passes steady_clock::now(), the simulator passes its virtual time (starting at epoch).
#include <chrono>

namespace dfs::core {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
using duration = clock::duration;
using std::chrono::milliseconds;

}  // namespace dfs::core
