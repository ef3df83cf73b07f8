#pragma once
// rm -r: a directory tree's files to the trash (each recoverable with `undelete`, as `rm` of one
// file), then its directories, deepest first. Not atomic, as rm -r is not: it stops at the first
// entry it cannot remove and names it; what went before stays removed (the files in the trash).
#include <cstdint>
#include <string>

#include "client/storage_client.hpp"

namespace dfs {

struct removed_counts {
  uint64_t files = 0, dirs = 0;
};

// `path` a file: removed as by `rm`. "/" is refused: its contents are removed one directory at a
// time, on purpose, never by one slip of a command.
removed_counts remove_tree(storage_client& c, const std::string& path);

}  // namespace dfs
