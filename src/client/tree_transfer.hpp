#pragma once
// put -r and get -r: a directory tree up or down, files in parallel (one storage_client per
// worker: a client is not thread-safe), one progress line for the whole tree on a terminal, and
// a summary. Like cp -r: when the destination directory exists the tree goes into it under its
// own name, otherwise the destination becomes the copy. Symbolic links are skipped (never
// followed); a file that fails is reported and the rest go on.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "client/storage_client.hpp"

namespace dfs {

struct tree_options {
  uint64_t chunk_size = 0;  // put: 0 = the cluster default
  unsigned jobs = 4;        // files in flight at once
};

struct tree_result {
  std::string root;  // where the tree went
  uint64_t files = 0, bytes = 0, dirs = 0;
  std::vector<std::pair<std::string, std::string>> failed;  // (path, why)
  std::vector<std::string> skipped;                         // symbolic links and other specials
  double seconds = 0;
};

// Errors about the trees themselves (no such local directory, remote is a file) are thrown as
// storage_error; per-file failures are in the result.
tree_result put_tree(storage_client& c, const std::string& local_dir, const std::string& remote_dir,
                     const tree_options& o);
tree_result get_tree(storage_client& c, const std::string& remote_dir, const std::string& local_dir,
                     const tree_options& o);

}  // namespace dfs
