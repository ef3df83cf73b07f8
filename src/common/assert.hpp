#pragma once
// DFS_ASSERT(cond, message): an always-on check of an invariant of our own code (style.md #10).
// When it fails the process prints the expression, the location, the node id and the message,
// then aborts: carrying on with a broken invariant could lose acknowledged data. Errors caused
// by the world (bad input, a dead peer, a failed disk) are never asserted: they are returned as
// values (result<T>).
//
// Usable in src/core: it only writes to stderr and aborts (no logger, no clock).
#include <string>

namespace dfs {

// The node id printed by failed asserts; set once at start-up (before any actor runs).
void set_assert_node(std::string node);

[[noreturn]] void assert_failed(const char* expr, const char* file, int line,
                                const std::string& message);

}  // namespace dfs

#define DFS_ASSERT(cond, message)                                            \
  do {                                                                       \
    if (!(cond)) ::dfs::assert_failed(#cond, __FILE__, __LINE__, (message)); \
  } while (false)
