// master_state's side of small files stored inline (version_info::inline_data): moving an
// inline version's bytes into chunks before its first write or append. The commit of an inline
// version is validate_commit / apply_commit with `inline_data` (master_state.cpp).
//
// Why move rather than refuse: writes and appends mutate chunks under leases (one primary
// orders them); an inline version has none. The client stores the same bytes as chunks the
// way a put does, then this record swaps them in; the version keeps its number, mtime and
// size, so readers see no change and the mutation proceeds on the chunks.
#include "core/master/master_state.hpp"

namespace dfs::master {

result<const version_info*> master_state::check_materialize(const materialize_record& r) const {
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  auto node = tree_.lookup_file(*p);
  if (!node) return node.err();
  const auto& vs = (*node)->file.versions;
  auto what = p->text() + " version " + std::to_string(r.version_number);
  if (vs.empty() || vs.back().number != r.version_number)
    return make_error(errc::conflict, what + " is no longer the newest");
  const auto& v = vs.back();
  if (!v.is_inline()) return make_error(errc::conflict, what + " is no longer stored inline");
  if (r.chunks.empty()) return make_error(errc::invalid_argument, what + ": no chunks");
  uint64_t total = 0;
  std::set<uint64_t> seen;
  for (const auto& c : r.chunks) {
    if (!chunks_.is_uncommitted(c.handle) || !seen.insert(c.handle.value).second)
      return make_error(errc::unknown_handle,
                        what + ": chunk " + c.handle.to_string() + " is not a fresh allocation");
    // Full chunks but the last, as a put plans them: writes find a byte's chunk by division.
    bool last = &c == &r.chunks.back();
    if (c.chunk_version == 0 || c.size_bytes > r.chunk_size_bytes ||
        (!last && c.size_bytes != r.chunk_size_bytes))
      return make_error(errc::invalid_argument, what + ": chunk " + c.handle.to_string() +
                                                    " has version 0 or the wrong size");
    total += c.size_bytes;
  }
  if (total != v.size_bytes)
    return make_error(errc::invalid_argument, what + ": chunks hold " + std::to_string(total) +
                                                  " bytes, the version " +
                                                  std::to_string(v.size_bytes));
  return &v;
}

result<materialize_record> master_state::validate_materialize(std::string_view path,
                                                              uint64_t version,
                                                              uint64_t chunk_size_bytes,
                                                              const std::vector<chunk_meta>& chunks,
                                                              core::time_point now) const {
  auto p = parse_path(path, path_rules::stored);
  if (!p) return p.err();
  if (chunk_size_bytes < opts_.min_chunk_size_bytes ||
      chunk_size_bytes > opts_.max_chunk_size_bytes)
    return make_error(errc::invalid_argument,
                      "chunk size " + std::to_string(chunk_size_bytes) + " out of range");
  materialize_record rec{p->text(), version, chunk_size_bytes, chunks};
  for (const auto& c : chunks)
    if (chunks_.is_uncommitted(c.handle) && !chunks_.in_grace(c.handle, now))
      return make_error(errc::unknown_handle, "chunk " + c.handle.to_string() + " of " + p->text() +
                                                  ": allocation expired, try again");
  if (auto v = check_materialize(rec); !v) return v.err();
  return rec;
}

result<void> master_state::apply_materialize(const materialize_record& r) {
  auto ok = check_materialize(r);
  if (!ok) return make_error(errc::corrupt_state, "materialize record: " + ok.err().message);
  auto p = parse_path(r.path, path_rules::stored);
  auto& version = tree_.file_for_commit(*p).versions.back();
  for (const auto& c : r.chunks) {
    chunks_.commit_new(c);
    version.chunks.push_back(c.handle);
  }
  inline_bytes_ -= version.inline_data.size();
  version.inline_data.clear();
  version.inline_data.shrink_to_fit();
  version.chunk_size_bytes = r.chunk_size_bytes;
  return {};
}

}  // namespace dfs::master
