#pragma once
// Reads the admin console's `members` table: id -> state ("alive", "suspect", "dead", "left").
#include <map>
#include <sstream>
#include <string>

#include "common/dfs_cluster.hpp"

namespace dfs::test {

inline std::map<std::string, std::string> members_of(dfs_cluster& c, int index) {
  std::map<std::string, std::string> out;
  auto r = c.admin(index, {"members"});
  if (r.exit_code != 0) return out;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, state;
    ls >> id >> state;
    if (state == "(self)") ls >> state;
    if (id.find('#') != std::string::npos) out[id] = state;
  }
  return out;
}

// The id listed for the node at `addr` ("" if none).
inline std::string id_at(const std::map<std::string, std::string>& m, const std::string& addr) {
  for (auto& [id, st] : m)
    if (id.rfind(addr + "#", 0) == 0) return id;
  return "";
}

}  // namespace dfs::test
