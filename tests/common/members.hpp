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

// How the node at `index` lists the node at `addr`: "ID STATE INCARNATION" ("" if absent). A
// suspicion the member refuted shows as a higher incarnation.
inline std::string member_row(dfs_cluster& c, int index, const std::string& addr) {
  std::istringstream in(c.admin(index, {"members"}).out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, state, incarnation;
    ls >> id >> state >> incarnation;
    if (id.rfind(addr + "#", 0) == 0) return id + " " + state + " " + incarnation;
  }
  return "";
}

// The id listed for the node at `addr` ("" if none).
inline std::string id_at(const std::map<std::string, std::string>& m, const std::string& addr) {
  for (auto& [id, st] : m)
    if (id.rfind(addr + "#", 0) == 0) return id;
  return "";
}

}  // namespace dfs::test
