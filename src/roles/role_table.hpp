#pragma once
// One name -> start-function table serves `--role a,b` (SeaweedFS's Commands table).
#include <stdexcept>
#include <string>
#include <vector>

#include "roles/node_context.hpp"

namespace dfs {

struct role_entry {
  const char* name;
  bool server;  // server roles run a node; client/admin are tools and run alone
  void (*start)(node_context&);
  const char* help;
};

const std::vector<role_entry>& role_table();
const role_entry* find_role(const std::string& name);

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Splits and checks "a,b": known names, no duplicates, tools alone. Throws usage_error.
std::vector<std::string> parse_roles(const std::string& list);

void start_introducer(node_context& ctx);
void start_master(node_context& ctx);
void start_chunkserver(node_context& ctx);
void start_fileserver(node_context& ctx);

}  // namespace dfs
