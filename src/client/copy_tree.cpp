#include "client/copy_tree.hpp"

#include "client/make_dir.hpp"
#include "client/remote_path.hpp"
#include "client/storage_error.hpp"

namespace dfs {

namespace {

void copy_entry(storage_client& c, const std::string& from, const std::string& to, bool is_dir,
                copied_counts& n) {
  if (!is_dir) {
    c.copy(from, to);  // `to` names the file: never a directory here (made by this walk)
    ++n.files;
    return;
  }
  if (make_dir(c, to, {true, false})) ++n.dirs;
  // One listing per directory: its entries say which are directories (no stat each).
  for (auto& e : c.ns(ns_op::list, from).entries)
    copy_entry(c, join_remote(from, e.name), join_remote(to, e.name), e.is_dir, n);
}

bool existing_dir(storage_client& c, const std::string& path) {
  try {
    return c.is_dir(path);
  } catch (const storage_error& e) {
    if (e.code == master::errc::not_found) return false;
    throw;
  }
}

bool inside(const std::string& path, const std::string& dir) {
  return path == dir || dir == "/" || path.compare(0, dir.size() + 1, dir + "/") == 0;
}

}  // namespace

copied_counts copy_tree(storage_client& c, const std::string& given_from,
                        const std::string& given_to, bool recursive) {
  auto from = without_trailing_slash(given_from), to = without_trailing_slash(given_to);
  copied_counts n;
  if (!c.is_dir(from)) {
    auto [where, made] = c.copy(from, given_to);  // the master resolves a directory TO
    return {1, 0, where, made.number};
  }
  if (!recursive)
    throw storage_error("cp: " + from + " is a directory (cp -r copies a tree)",
                        master::errc::is_a_directory);
  auto target = existing_dir(c, to) ? join_remote(to, base_name(from)) : to;
  if (inside(target, from))
    throw storage_error("cp -r: cannot copy " + from + " into itself (" + target + ")",
                        master::errc::invalid_argument);
  n.target = target;
  try {
    copy_entry(c, from, target, true, n);
  } catch (const storage_error& e) {
    if (n.files + n.dirs == 0) throw;
    throw e.with_more(" (cp -r stopped there; " + std::to_string(n.files) + " files and " +
                      std::to_string(n.dirs) + " directories were copied before)");
  }
  return n;
}

}  // namespace dfs
