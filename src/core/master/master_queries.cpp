// Read-only queries and chunk-location bookkeeping of master_state.
#include "core/master/master_state.hpp"

#include <set>

namespace dfs::master {

namespace {

dir_entry entry_of(const std::string& name, const inode& n) {
  dir_entry e;
  e.name = name;
  e.is_dir = n.is_dir;
  if (!n.is_dir && !n.file.versions.empty()) {
    const auto& v = n.file.versions.back();
    e.size_bytes = v.size_bytes;
    e.mtime_ms = v.mtime_ms;
    e.chunk_count = static_cast<uint32_t>(v.chunks.size());
    e.version_count = static_cast<uint32_t>(n.file.versions.size());
  }
  return e;
}

// The file at `path`, or a clear error for a bad path, a missing file or a directory.
result<const inode*> lookup_file(const namespace_tree& tree, std::string_view path) {
  auto p = parse_path(path);
  if (!p) return p.err();
  return tree.lookup_file(*p);
}

}  // namespace

result<std::vector<dir_entry>> master_state::ls(std::string_view path) const {
  auto p = parse_path(path);
  if (!p) return p.err();
  auto node = tree_.lookup(*p);
  if (!node) return node.err();
  std::vector<dir_entry> out;
  if (!(*node)->is_dir) {
    out.push_back(entry_of(p->name(), **node));
    return out;
  }
  for (const auto& [name, child] : (*node)->children) out.push_back(entry_of(name, *child));
  return out;
}

result<file_stat> master_state::stat(std::string_view path) const {
  auto p = parse_path(path);
  if (!p) return p.err();
  auto node = tree_.lookup(*p);
  if (!node) return node.err();
  file_stat s;
  s.path = p->text();
  s.is_dir = (*node)->is_dir;
  if (s.is_dir) {
    s.child_count = static_cast<uint32_t>((*node)->children.size());
  } else {
    s.version_count = static_cast<uint32_t>((*node)->file.versions.size());
    if (!(*node)->file.versions.empty()) s.newest = (*node)->file.versions.back();
  }
  return s;
}

result<std::vector<version_info>> master_state::versions(std::string_view path, uint32_t n) const {
  auto node = lookup_file(tree_, path);
  if (!node) return node.err();
  if (n == 0) return make_error(errc::invalid_argument, "version count must be at least 1");
  const auto& all = (*node)->file.versions;
  auto first = all.size() > n ? all.end() - n : all.begin();
  return std::vector<version_info>(first, all.end());
}

result<file_layout> master_state::layout(std::string_view path, uint64_t version_number) const {
  auto node = lookup_file(tree_, path);
  if (!node) return node.err();
  const auto& all = (*node)->file.versions;
  const version_info* v = nullptr;
  if (version_number == 0 && !all.empty()) v = &all.back();
  for (const auto& x : all)
    if (x.number == version_number) v = &x;
  if (v == nullptr) {
    std::string have =
        all.empty() ? "none"
                    : std::to_string(all.front().number) + ".." + std::to_string(all.back().number);
    return make_error(errc::not_found, "version " + std::to_string(version_number) + " of " +
                                           std::string(path) + " not found (have " + have + ")");
  }
  file_layout out{parse_path(path)->text(), *v, {}};
  for (auto h : v->chunks) {
    const auto* e = chunks_.find(h);
    if (e == nullptr) continue;  // cannot happen: versions hold references
    out.chunks.push_back({e->meta, {e->replicas.begin(), e->replicas.end()}});
  }
  return out;
}

result<std::vector<fsck_file>> master_state::fsck(std::string_view path) const {
  auto p = parse_path(path);
  if (!p) return p.err();
  if (auto node = tree_.lookup(*p); !node) return node.err();
  auto root = p->text();
  auto prefix = root == "/" ? root : root + "/";
  std::vector<fsck_file> out;
  tree_.for_each([&](const std::string& file, const inode& n) {
    if (n.is_dir || (file != root && file.compare(0, prefix.size(), prefix) != 0)) return;
    fsck_file f{file, 0, 0, 0, 0};
    std::set<uint64_t> seen;
    for (const auto& v : n.file.versions)
      for (auto h : v.chunks) {
        if (!seen.insert(h.value).second) continue;
        ++f.chunks;
        const auto* e = chunks_.find(h);
        auto live = e == nullptr ? 0 : e->replicas.size();
        if (live == 0)
          ++f.missing;
        else if (live < opts_.replication)
          ++f.under;
        else
          ++f.healthy;
      }
    out.push_back(std::move(f));
  });
  return out;
}

report_reply master_state::on_full_report(const node_id& n,
                                          const std::vector<chunk_report_entry>& held,
                                          core::time_point now) {
  return chunks_.on_full_report(n, held, now);
}

report_reply master_state::on_incremental_report(const node_id& n,
                                                 const std::vector<chunk_report_entry>& added,
                                                 const std::vector<chunk_handle>& removed,
                                                 core::time_point now) {
  return chunks_.on_incremental_report(n, added, removed, now);
}

void master_state::note_replicas(chunk_handle h, const std::vector<node_id>& nodes) {
  for (const auto& n : nodes) chunks_.add_replica(h, n);
}

}  // namespace dfs::master
