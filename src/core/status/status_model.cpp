#include "core/status/status_model.hpp"

namespace dfs::status {

std::vector<zone_row> zones_of(const std::vector<chunkserver_row>& servers) {
  std::map<std::string, zone_row> by_zone;
  for (auto& s : servers) {
    if (s.state == "removed") continue;  // no longer part of the cluster's capacity
    auto& z = by_zone[s.zone];
    z.zone = s.zone;
    ++z.servers;
    z.healthy += s.state == "healthy";
    z.capacity_bytes += s.capacity_bytes;
    z.free_bytes += s.free_bytes;
  }
  std::vector<zone_row> out;
  for (auto& [name, z] : by_zone) out.push_back(z);
  return out;
}

std::map<std::string, uint64_t> members_by_state(const std::vector<member_row>& members) {
  std::map<std::string, uint64_t> out;
  for (auto& m : members) ++out[m.state];
  return out;
}

}  // namespace dfs::status
