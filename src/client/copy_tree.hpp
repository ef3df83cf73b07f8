#pragma once
// cp [-r] inside the cluster, as `cp` and `cp -r` do it on a local disk: TO an existing
// directory takes FROM under its own name, otherwise FROM becomes TO. Each file's newest
// version is copied by the master, sharing its chunks (no byte moves; a later write copies a
// shared chunk first). A tree's directories are made as it goes (one already there is merged
// into, as by cp -r). Not atomic, as cp -r is not: it stops at the first entry it cannot copy,
// names it and says how much was copied before.
#include <cstdint>
#include <string>

#include "client/storage_client.hpp"

namespace dfs {

struct copied_counts {
  uint64_t files = 0, dirs = 0;
  std::string target;    // where FROM went
  uint64_t version = 0;  // a file's: the version its copy made
};

// A file needs no `recursive`; a directory without it is refused (as by cp), and a directory
// into itself or below itself always is.
copied_counts copy_tree(storage_client& c, const std::string& from, const std::string& to,
                        bool recursive);

}  // namespace dfs
