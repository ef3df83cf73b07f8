#pragma once
// The directory tree of the master: directories hold named children, files hold their versions.
// Pure data structure: it knows nothing of chunks' reference counts (master_state does that).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/master/error.hpp"
#include "core/master/path.hpp"
#include "core/master/records.hpp"

namespace dfs::master {

struct file_node {
  uint64_t next_version = 1;
  std::vector<version_info> versions;  // oldest first, newest last
};

struct inode {
  bool is_dir = true;
  std::map<std::string, std::unique_ptr<inode>> children;  // directories only, sorted by name
  file_node file;                                          // files only
};

class namespace_tree {
 public:
  namespace_tree();

  // The node at `p`. Errors: not_found (a component is missing), not_a_directory (an
  // intermediate component is a file). Messages name the path.
  result<const inode*> lookup(const parsed_path& p) const;
  // The file at `p`: lookup's errors, and is_a_directory when `p` names a directory.
  result<const inode*> lookup_file(const parsed_path& p) const;

  // The directory that would contain `p`; precondition: !p.is_root().
  result<const inode*> parent_dir(const parsed_path& p) const;

  // Checks used by validation: they never change the tree.
  result<void> check_mkdir(const parsed_path& p) const;
  result<void> check_file_target(const parsed_path& p) const;  // may create or add a version
  result<void> check_remove(const parsed_path& p) const;
  // A move of `from` (file or directory, with everything below) to the new name `to`.
  result<void> check_rename(const parsed_path& from, const parsed_path& to) const;

  // Mutations, called by apply() after the matching check passed.
  void mkdir(const parsed_path& p);
  file_node& file_for_commit(const parsed_path& p);  // creates the file if missing
  std::unique_ptr<inode> remove(const parsed_path& p);
  void rename(const parsed_path& from, const parsed_path& to);

  // Pre-order walk (parents before children, names sorted), root excluded.
  void for_each(const std::function<void(const std::string& path, const inode&)>& f) const;

  size_t file_count() const { return file_count_; }
  size_t dir_count() const { return dir_count_; }

 private:
  inode* mutable_node(const parsed_path& p);

  inode root_;
  size_t file_count_ = 0;
  size_t dir_count_ = 0;  // root excluded
};

}  // namespace dfs::master
