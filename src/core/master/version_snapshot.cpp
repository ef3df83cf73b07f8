// master_state's side of `snapshot`, `cp` and copy-on-write (issue 13 item 4). A snapshot is a
// commit record whose chunks are all the newest version's, so it reuses commit's validation,
// apply, request ids and max_versions; `cp` is the same record naming another path. A chunk
// either shares has refcount > 1, and before the
// first lease on it the master core has the chunkservers copy it locally and logs a
// cow_record that swaps the copy into the newest version (master_cow.cpp).
#include "core/master/master_state.hpp"

namespace dfs::master {

// The newest version of the file `from` names, for a snapshot or a copy (`what`) to share.
result<const version_info*> master_state::newest_to_share(const parsed_path& from,
                                                          const char* what) const {
  auto node = tree_.lookup(from);
  if (!node) return node.err();
  if ((*node)->is_dir)
    return make_error(errc::is_a_directory,
                      from.text() + " is a directory; " + what + " takes one file" +
                          (std::string_view(what) == "cp" ? " (cp -r copies a tree)" : ""));
  const auto& vs = (*node)->file.versions;
  if (vs.empty()) return make_error(errc::not_found, from.text() + " has no version to " + what);
  return &vs.back();
}

// A commit record of `target` as version `number`, sharing every chunk of `newest`.
result<commit_record> master_state::shared_commit(const parsed_path& target, uint64_t number,
                                                  const version_info& newest,
                                                  uint64_t wall_ms) const {
  commit_record rec{target.text(),      number, wall_ms,           newest.chunk_size_bytes,
                    opts_.max_versions, {},     newest.inline_data};
  for (auto h : newest.chunks) {
    const auto* e = chunks_.find(h);
    if (e == nullptr)  // versions hold references: a missing chunk is a damaged state
      return make_error(errc::corrupt_state, "chunk " + h.to_string() + " of " + target.text() +
                                                 "'s source is not in the chunk table");
    rec.chunks.push_back(e->meta);
  }
  if (auto ok = check_commit_chunks(rec); !ok) return ok.err();
  return rec;
}

result<commit_record> master_state::validate_snapshot(std::string_view path,
                                                      uint64_t wall_ms) const {
  auto p = parse_path(path, path_rules::stored);  // like rm: a name from before the rules
  if (!p) return p.err();
  auto newest = newest_to_share(*p, "snapshot");
  if (!newest) return newest.err();
  return shared_commit(*p, (*tree_.lookup(*p))->file.next_version, **newest, wall_ms);
}

result<commit_record> master_state::validate_copy(std::string_view from, std::string_view to,
                                                  uint64_t wall_ms) const {
  auto f = parse_path(from, path_rules::stored);  // like mv: an old bad name can be copied
  if (!f) return f.err();
  auto newest = newest_to_share(*f, "cp");
  if (!newest) return newest.err();
  auto t = parse_path(to);  // the new name follows today's rules
  if (!t) return t.err();
  if (auto n = tree_.lookup(*t); n && (*n)->is_dir) t->components.push_back(f->name());
  if (t->text() == f->text())
    return make_error(errc::invalid_argument, f->text() + " and its copy are the same file");
  if (auto ok = tree_.check_file_target(*t); !ok) return ok.err();
  // The copy's inline bytes are a second copy in memory, under the same budget as a put's.
  if ((*newest)->is_inline() &&
      inline_bytes_ + (*newest)->inline_data.size() > opts_.inline_budget_bytes)
    return make_error(errc::inline_refused,
                      t->text() + ": master.inline_budget_mib is spent; put it instead");
  auto existing = tree_.lookup(*t);
  return shared_commit(*t, existing ? (*existing)->file.next_version : 1, **newest, wall_ms);
}

result<const version_info*> master_state::check_cow(const cow_record& r) const {
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  auto node = tree_.lookup_file(*p);
  if (!node) return node.err();
  const auto& vs = (*node)->file.versions;
  auto what = "chunk " + std::to_string(r.chunk_index) + " of " + p->text() + " version " +
              std::to_string(r.version_number);
  if (vs.empty() || vs.back().number != r.version_number)
    return make_error(errc::conflict, what + ": no longer the newest version");
  const auto& v = vs.back();
  if (r.chunk_index >= v.chunks.size() || v.chunks[r.chunk_index] != r.old_handle)
    return make_error(errc::conflict, what + ": no longer chunk " + r.old_handle.to_string());
  const auto* e = chunks_.find(r.old_handle);
  if (e == nullptr || e->refcount < 2)
    return make_error(errc::conflict,
                      what + ": chunk " + r.old_handle.to_string() + " is no longer shared");
  if (!chunks_.is_uncommitted(r.new_handle))
    return make_error(errc::unknown_handle, what + ": copy " + r.new_handle.to_string() +
                                                " is not an allocated, uncommitted handle");
  return &v;
}

result<cow_record> master_state::validate_cow(std::string_view path, uint64_t version_number,
                                              uint64_t chunk_index, chunk_handle old_handle,
                                              chunk_handle new_handle) const {
  auto p = parse_path(path, path_rules::stored);
  if (!p) return p.err();
  cow_record rec{p->text(), version_number, chunk_index, old_handle, new_handle};
  if (auto ok = check_cow(rec); !ok) return ok.err();
  return rec;
}

result<void> master_state::apply_cow(const cow_record& r) {
  auto ok = check_cow(r);
  if (!ok) return ok.err();
  auto p = parse_path(r.path, path_rules::stored);
  // The copy has the shared chunk's bytes, so its metadata (version, size, CRC) too.
  auto meta = chunks_.find(r.old_handle)->meta;
  meta.handle = r.new_handle;
  chunks_.commit_new(meta);
  chunks_.release(r.old_handle);  // refcount was >= 2: the other versions keep it
  auto& v = tree_.file_for_commit(*p).versions.back();
  v.chunks[r.chunk_index] = r.new_handle;
  return {};
}

}  // namespace dfs::master
