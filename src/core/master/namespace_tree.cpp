#include "core/master/namespace_tree.hpp"

#include <algorithm>

namespace dfs::master {

namespace {

std::string prefix_text(const parsed_path& p, size_t n) {
  parsed_path q;
  q.components.assign(p.components.begin(), p.components.begin() + static_cast<long>(n));
  return q.text();
}

void walk(const std::string& prefix, const inode& dir,
          const std::function<void(const std::string&, const inode&)>& f) {
  for (const auto& [name, child] : dir.children) {
    auto path = prefix + "/" + name;
    f(path, *child);
    if (child->is_dir) walk(path, *child, f);
  }
}

}  // namespace

namespace_tree::namespace_tree() {
  root_.is_dir = true;
}

result<const inode*> namespace_tree::lookup(const parsed_path& p) const {
  const inode* cur = &root_;
  for (size_t i = 0; i < p.components.size(); ++i) {
    if (!cur->is_dir)
      return make_error(errc::not_a_directory,
                        prefix_text(p, i) + " is a file, not a directory (in " + p.text() + ")");
    auto it = cur->children.find(p.components[i]);
    if (it == cur->children.end())
      return make_error(errc::not_found, "no such file or directory: " + prefix_text(p, i + 1));
    cur = it->second.get();
  }
  return cur;
}

result<const inode*> namespace_tree::parent_dir(const parsed_path& p) const {
  auto parent = lookup(p.parent());
  if (!parent) return parent;
  if (!(*parent)->is_dir)
    return make_error(errc::not_a_directory,
                      p.parent().text() + " is a file, not a directory (in " + p.text() + ")");
  return parent;
}

result<const inode*> namespace_tree::lookup_file(const parsed_path& p) const {
  auto node = lookup(p);
  if (node && (*node)->is_dir)
    return make_error(errc::is_a_directory, p.text() + " is a directory");
  return node;
}

result<void> namespace_tree::check_mkdir(const parsed_path& p) const {
  if (p.is_root()) return make_error(errc::already_exists, "directory / already exists");
  auto parent = parent_dir(p);
  if (!parent) return parent.err();
  if ((*parent)->children.count(p.name()) > 0)
    return make_error(errc::already_exists, p.text() + " already exists");
  return {};
}

result<void> namespace_tree::check_file_target(const parsed_path& p) const {
  if (p.is_root()) return make_error(errc::is_a_directory, "/ is a directory");
  auto parent = parent_dir(p);
  if (!parent) return parent.err();
  auto it = (*parent)->children.find(p.name());
  if (it != (*parent)->children.end() && it->second->is_dir)
    return make_error(errc::is_a_directory, p.text() + " is a directory");
  return {};
}

result<void> namespace_tree::check_remove(const parsed_path& p) const {
  if (p.is_root()) return make_error(errc::invalid_argument, "cannot remove /");
  auto node = lookup(p);
  if (!node) return node.err();
  if ((*node)->is_dir && !(*node)->children.empty())
    return make_error(errc::directory_not_empty, "directory " + p.text() + " is not empty");
  return {};
}

result<void> namespace_tree::check_rename(const parsed_path& from, const parsed_path& to) const {
  if (from.is_root()) return make_error(errc::invalid_argument, "cannot move /");
  auto node = lookup(from);
  if (!node) return node.err();
  if (to.is_root()) return make_error(errc::already_exists, "/ already exists");
  if (to.text() == from.text())
    return make_error(errc::invalid_argument,
                      from.text() + " and " + to.text() + " are the same file");
  // A directory into itself: `to` below `from` would detach the subtree from the tree.
  if ((*node)->is_dir && to.components.size() > from.components.size() &&
      std::equal(from.components.begin(), from.components.end(), to.components.begin()))
    return make_error(errc::invalid_argument,
                      "cannot move " + from.text() + " into itself (" + to.text() + ")");
  auto parent = parent_dir(to);
  if (!parent) return parent.err();
  if ((*parent)->children.count(to.name()) > 0)
    return make_error(errc::already_exists, to.text() + " already exists");
  return {};
}

inode* namespace_tree::mutable_node(const parsed_path& p) {
  inode* cur = &root_;
  for (const auto& c : p.components) {
    if (!cur->is_dir) return nullptr;
    auto it = cur->children.find(c);
    if (it == cur->children.end()) return nullptr;
    cur = it->second.get();
  }
  return cur;
}

void namespace_tree::mkdir(const parsed_path& p) {
  auto* parent = mutable_node(p.parent());
  auto node = std::make_unique<inode>();
  node->is_dir = true;
  parent->children.emplace(p.name(), std::move(node));
  ++dir_count_;
}

file_node& namespace_tree::file_for_commit(const parsed_path& p) {
  auto* parent = mutable_node(p.parent());
  auto& slot = parent->children[p.name()];
  if (!slot) {
    slot = std::make_unique<inode>();
    slot->is_dir = false;
    ++file_count_;
  }
  return slot->file;
}

std::unique_ptr<inode> namespace_tree::remove(const parsed_path& p) {
  auto* parent = mutable_node(p.parent());
  auto it = parent->children.find(p.name());
  auto node = std::move(it->second);
  parent->children.erase(it);
  if (node->is_dir)
    --dir_count_;
  else
    --file_count_;
  return node;
}

void namespace_tree::rename(const parsed_path& from, const parsed_path& to) {
  auto* old_parent = mutable_node(from.parent());
  auto it = old_parent->children.find(from.name());
  auto node = std::move(it->second);
  old_parent->children.erase(it);
  mutable_node(to.parent())->children.emplace(to.name(), std::move(node));  // counts unchanged
}

void namespace_tree::for_each(
    const std::function<void(const std::string& path, const inode&)>& f) const {
  walk("", root_, f);
}

}  // namespace dfs::master
