#include "client/command_error.hpp"

#include <iostream>

#include "common/escape.hpp"

namespace dfs {

int command_error(const std::string& msg) {
  std::cerr << "error: " << (needs_escaping(msg) ? escape_unprintable(msg) : msg) << "\n";
  return 1;
}

}  // namespace dfs
