// master_state's side of mutations past a file's end (issue 13, grow_record): new chunks at
// the end of the newest version and a larger size. Writes inside the file never reach the
// master (GFS: the primary orders them); only the file's length and chunk list are its.
#include <algorithm>

#include "common/crc32c.hpp"
#include "core/master/master_state.hpp"

namespace dfs::master {

namespace {

// The length chunk `index` has in a file of `size` bytes cut into `chunk_size` chunks.
uint64_t chunk_length(uint64_t size, uint64_t chunk_size, size_t index) {
  uint64_t start = chunk_size * index;
  return size <= start ? 0 : std::min(chunk_size, size - start);
}

// The crc32c of `crc`'s bytes followed by `n` zeros: what a replica of the chunk reads after a
// grow (bytes past a replica's end read as zeros), so that the committed checksum of a chunk
// that never took a lease still vouches for what readers get.
uint32_t extend_with_zeros(uint32_t crc, uint64_t n) {
  static const std::string zeros(64 * 1024, '\0');
  while (n > 0) {
    auto k = std::min<uint64_t>(n, zeros.size());
    crc = crc32c(zeros.data(), k, crc);
    n -= k;
  }
  return crc;
}

}  // namespace

result<grow_record> master_state::validate_grow(std::string_view path, uint64_t version,
                                                uint64_t size_bytes, uint64_t first_index,
                                                const std::vector<chunk_meta>& chunks,
                                                core::time_point now) const {
  auto p = parse_path(path);
  if (!p) return p.err();
  auto node = tree_.lookup_file(*p);
  if (!node) return node.err();
  auto& versions = (*node)->file.versions;
  if (versions.empty()) return make_error(errc::not_found, p->text() + " has no version");
  auto& v = versions.back();
  if (version != 0 && version != v.number)
    return make_error(errc::conflict, p->text() + " changed meanwhile: version " +
                                          std::to_string(v.number) + " is the newest, not " +
                                          std::to_string(version));
  if (v.is_inline())  // the client moves its bytes into chunks first (master_inline.cpp)
    return make_error(errc::inline_refused, p->text() + " version " + std::to_string(v.number) +
                                                " is stored inline; store it as chunks first");
  auto count = v.chunks.size();
  if (first_index > count)
    return make_error(errc::invalid_argument, "chunk " + std::to_string(first_index) + " of " +
                                                  p->text() + " would leave a gap: the file has " +
                                                  std::to_string(count) + " chunks");
  grow_record rec{p->text(), v.number, std::max(size_bytes, v.size_bytes), {}};
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (first_index + i < count) continue;  // added meanwhile: that one stays
    auto& c = chunks[i];
    if (!chunks_.is_uncommitted(c.handle) || !chunks_.in_grace(c.handle, now))
      return make_error(errc::unknown_handle, "chunk " + c.handle.to_string() + " of " + p->text() +
                                                  ": not a fresh allocation");
    if (c.chunk_version == 0 || c.size_bytes != 0)
      return make_error(errc::invalid_argument, "chunk " + c.handle.to_string() +
                                                    ": a new chunk starts empty at a version");
    rec.chunks.push_back(c);
  }
  // A chunk another version shares keeps its size there: it must be copied (a lease on it
  // does that) before this version can make it longer.
  for (size_t i = 0; i < count; ++i) {
    const auto* e = chunks_.find(v.chunks[i]);
    if (e != nullptr && e->refcount > 1 &&
        chunk_length(rec.size_bytes, v.chunk_size_bytes, i) > e->meta.size_bytes)
      return make_error(errc::conflict, "chunk " + std::to_string(i) + " of " + p->text() +
                                            " is shared with another version: lease it first "
                                            "(copy-on-write), then grow");
  }
  auto total = count + rec.chunks.size();
  if (v.chunk_size_bytes == 0 || rec.size_bytes > v.chunk_size_bytes * total)
    return make_error(errc::invalid_argument, p->text() + ": " + std::to_string(rec.size_bytes) +
                                                  " bytes do not fit in " + std::to_string(total) +
                                                  " chunks of " +
                                                  std::to_string(v.chunk_size_bytes) + " bytes");
  return rec;
}

bool master_state::grows(const grow_record& r) const {
  if (!r.chunks.empty()) return true;
  auto p = parse_path(r.path);
  if (!p) return false;
  auto node = tree_.lookup(*p);
  return node && !(*node)->file.versions.empty() &&
         r.size_bytes > (*node)->file.versions.back().size_bytes;
}

result<void> master_state::apply_grow(const grow_record& r) {
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  auto node = tree_.lookup(*p);
  if (!node || (*node)->is_dir || (*node)->file.versions.empty())
    return make_error(errc::corrupt_state, "grow of " + r.path + ", which is not a file");
  auto& v = tree_.file_for_commit(*p).versions.back();
  if (v.number != r.version_number)
    return make_error(errc::corrupt_state, "grow of " + r.path + " version " +
                                               std::to_string(r.version_number) +
                                               " but the newest is " + std::to_string(v.number));
  for (auto& c : r.chunks) {
    if (!chunks_.is_uncommitted(c.handle))
      return make_error(errc::corrupt_state, "grow of " + r.path + " with chunk " +
                                                 c.handle.to_string() +
                                                 ", which is not a fresh allocation");
    chunks_.commit_new(c);
    v.chunks.push_back(c.handle);
  }
  v.size_bytes = std::max(v.size_bytes, r.size_bytes);
  for (size_t i = 0; i < v.chunks.size(); ++i) {
    auto want = chunk_length(v.size_bytes, v.chunk_size_bytes, i);
    const auto* e = chunks_.find(v.chunks[i]);
    if (e == nullptr || e->meta.size_bytes >= want) continue;
    auto meta = e->meta;
    meta.crc32c = extend_with_zeros(meta.crc32c, want - meta.size_bytes);
    meta.size_bytes = want;
    chunks_.set_size(v.chunks[i], meta.size_bytes, meta.crc32c);
  }
  return {};
}

}  // namespace dfs::master

#include "core/master/master_core.hpp"
#include "core/master/ns_replies.hpp"

namespace dfs::master {

master_effects master_core::on_grow(request_token t, const grow_request& r, core::time_point now,
                                    uint64_t /*wall_ms*/) {
  master_effects fx;
  if (locks_.locked_by_other(r.path, r.client_id, now))
    return fx.replies.push_back(
               {t, ns_error(errc::conflict, "write to " + quote_path(r.path) + ": " +
                                                locks_.held_by(r.path, now))}),
           fx;
  std::vector<chunk_meta> chunks;
  for (auto& c : r.chunks) {
    if (c.replicas.size() < opts_.write_quorum)
      return fx.replies.push_back({t, ns_error(errc::invalid_argument,
                                               "new chunk " + chunk_handle{c.handle}.to_string() +
                                                   " is on " + std::to_string(c.replicas.size()) +
                                                   " replicas; quorum.write is " +
                                                   std::to_string(opts_.write_quorum))}),
             fx;
    chunks.push_back({chunk_handle{c.handle}, c.chunk_version, c.size_bytes, c.crc32c});
  }
  auto rec = meta_.validate_grow(r.path, r.version, r.size_bytes, r.first_index, chunks, now);
  if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
  auto s = meta_.stat(r.path);
  if (!meta_.grows(*rec)) {  // a retry, or another client grew it first: nothing to log
    auto reply = s ? stat_reply(*s) : ns_error(s.err());
    if (s) reply.versions = {to_ns(s->newest)};
    return fx.replies.push_back({t, std::move(reply)}), fx;
  }
  auto created = to_ns(s->newest);
  created.size_bytes = std::max(created.size_bytes, rec->size_bytes);
  created.chunk_count += static_cast<uint32_t>(rec->chunks.size());
  // Replicas of the new chunks are noted once the record is durable (as for a commit).
  std::vector<ns_chunk> added;
  for (auto& c : r.chunks)
    if (std::any_of(rec->chunks.begin(), rec->chunks.end(),
                    [&](const chunk_meta& m) { return m.handle.value == c.handle; }))
      added.push_back(c);
  log_and_apply(log_record{std::move(*rec)}, {t, commit_waiter{r.path, std::move(added), created}},
                now, fx, r.client_id);
  return fx;
}

}  // namespace dfs::master
