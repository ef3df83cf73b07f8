#include "client/remove_tree.hpp"

#include "client/remote_path.hpp"
#include "client/storage_error.hpp"

namespace dfs {

namespace {

void remove_entry(storage_client& c, const std::string& path, bool is_dir, removed_counts& n) {
  if (is_dir) {
    // One listing per directory: its entries say which are directories (no stat each).
    for (auto& e : c.ns(ns_op::list, path).entries)
      remove_entry(c, join_remote(path, e.name), e.is_dir, n);
  }
  c.ns(ns_op::remove, path);
  ++(is_dir ? n.dirs : n.files);
}

}  // namespace

removed_counts remove_tree(storage_client& c, const std::string& given) {
  auto path = without_trailing_slash(given);
  if (path == "/")
    throw storage_error("rm -r /: refused (remove the directories under / one by one)",
                        master::errc::invalid_argument);
  bool is_dir = c.is_dir(path);
  removed_counts n;
  try {
    remove_entry(c, path, is_dir, n);
  } catch (const storage_error& e) {
    if (n.files + n.dirs == 0) throw;
    throw e.with_more(" (rm -r stopped there; " + std::to_string(n.files) +
                      " files went to the trash and " + std::to_string(n.dirs) +
                      " directories were removed before)");
  }
  return n;
}

}  // namespace dfs
