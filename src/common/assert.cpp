#include "common/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace dfs {

namespace {

// Written once before the actor system starts, read only when an assert fails.
std::string& assert_node() {
  static std::string node = "-";
  return node;
}

}  // namespace

void set_assert_node(std::string node) {
  assert_node() = std::move(node);
}

void assert_failed(const char* expr, const char* file, int line, const std::string& message) {
  std::fprintf(stderr, "DFS_ASSERT failed: %s at %s:%d node=%s: %s\n", expr, file, line,
               assert_node().c_str(), message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace dfs
