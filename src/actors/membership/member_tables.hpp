#pragma once
// Console views of the membership actor (members, bandwidth) and the roles metadata that
// members gossip about themselves ("master,introducer").
#include <string>
#include <vector>

#include "actors/membership/failure_detector.hpp"

namespace dfs {

std::string join_roles(const std::vector<std::string>& roles);
std::vector<std::string> split_roles(const std::string& meta);

std::string members_table(const membership::swim& swim, core::time_point now);
std::string bandwidth_table(const failure_detector_state& st, core::time_point now);
void reset_bandwidth(failure_detector_state& st, core::time_point now);

}  // namespace dfs
