#include "roles/role_table.hpp"

#include <algorithm>

namespace dfs {

const std::vector<role_entry>& role_table() {
  // Order matters: roles start in this order, so the master exists before a co-located
  // chunkserver tries to register with it.
  static const std::vector<role_entry> table = {
      {"introducer", true, start_introducer, "well-known contact for joining the cluster"},
      {"master", true, start_master, "namespace, chunk placement, chunkserver registry"},
      {"chunkserver", true, start_chunkserver, "stores chunks, registers and heartbeats"},
      {"fileserver", true, start_fileserver, "gateway and FTQueue replica"},
      {"client", false, nullptr, "command-line client (one command or a shell)"},
      {"admin", false, nullptr, "admin console: --connect HOST:PORT [COMMAND]"},
      {"ca", false, nullptr,
       "cluster certificate authority: init DIR | issue DIR NAME --kind server|client|admin "
       "[--host H]"},
  };
  return table;
}

const role_entry* find_role(const std::string& name) {
  for (auto& r : role_table())
    if (name == r.name) return &r;
  return nullptr;
}

std::vector<std::string> parse_roles(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    auto name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!find_role(name)) {
      std::string known;
      for (auto& r : role_table()) known += (known.empty() ? "" : ", ") + std::string(r.name);
      throw usage_error("unknown role '" + name + "' (roles: " + known + ")");
    }
    if (std::find(out.begin(), out.end(), name) != out.end())
      throw usage_error("role '" + name + "' given twice");
    out.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  bool tool = std::any_of(out.begin(), out.end(), [](auto& n) { return !find_role(n)->server; });
  if (tool && out.size() > 1)
    throw usage_error("roles 'client', 'admin' and 'ca' cannot be combined with other roles");
  // Start in table order whatever order the user wrote.
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return find_role(a) < find_role(b); });
  return out;
}

}  // namespace dfs
