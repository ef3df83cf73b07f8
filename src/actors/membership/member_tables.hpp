#pragma once
// Console views of the membership actor: members, bandwidth.
#include <string>
#include <vector>

#include "actors/membership/failure_detector.hpp"

namespace dfs {

std::string members_table(const membership::swim& swim, core::time_point now);
std::string bandwidth_table(const failure_detector_state& st, core::time_point now);
void reset_bandwidth(failure_detector_state& st, core::time_point now);

}  // namespace dfs
