#include "core/master/trash_bin.hpp"

#include <algorithm>

namespace dfs::master {

trash_bin::trash_bin(const trash_bin& o) : entries_(o.entries_), by_deleted_(o.by_deleted_) {
  for (const auto& [id, e] : entries_) by_path_[e.path].insert(id);
}

trash_bin& trash_bin::operator=(const trash_bin& o) {
  if (this != &o) *this = trash_bin(o);
  return *this;
}

trash_entry* trash_bin::find(uint64_t id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

bool trash_bin::add(trash_entry e) {
  auto id = e.id;
  auto [it, fresh] = entries_.try_emplace(id, std::move(e));
  if (!fresh) return false;
  by_deleted_.emplace(it->second.deleted_ms, id);
  by_path_[it->second.path].insert(id);
  return true;
}

std::optional<trash_entry> trash_bin::take(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  by_deleted_.erase({it->second.deleted_ms, id});
  auto p = by_path_.find(it->second.path);
  if (p != by_path_.end()) {
    p->second.erase(id);
    if (p->second.empty()) {
      by_path_.erase(p);  // before the entry, whose path the key views
    } else if (p->first.data() == it->second.path.data()) {
      // The key views this entry's path: view another entry of the same path instead.
      auto node = by_path_.extract(p);
      node.key() = entries_.at(*node.mapped().begin()).path;
      by_path_.insert(std::move(node));
    }
  }
  auto out = std::move(it->second);
  entries_.erase(it);
  return out;
}

const trash_entry* trash_bin::newest_of(std::string_view path) const {
  auto p = by_path_.find(path);
  if (p == by_path_.end() || p->second.empty()) return nullptr;
  return &entries_.at(*p->second.rbegin());
}

std::vector<uint64_t> trash_bin::ids_of(std::string_view path) const {
  auto p = by_path_.find(path);
  if (p == by_path_.end()) return {};
  return {p->second.begin(), p->second.end()};
}

std::vector<uint64_t> trash_bin::deleted_by(uint64_t cutoff_ms, size_t max) const {
  std::vector<uint64_t> out;
  for (auto it = by_deleted_.begin(); it != by_deleted_.end() && out.size() < max; ++it) {
    if (it->first > cutoff_ms) break;
    out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dfs::master
