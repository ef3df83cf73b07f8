#include "core/master/master_state.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace dfs::master {

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

error corrupt(const std::string& what) {
  return make_error(errc::corrupt_state, what);
}

}  // namespace

master_state::master_state(master_options opts)
    : opts_(opts), chunks_(opts.replication), requests_(opts.requests) {}

result<mkdir_record> master_state::validate_mkdir(std::string_view path) const {
  auto p = parse_path(path);
  if (!p) return p.err();
  if (auto ok = tree_.check_mkdir(*p); !ok) return ok.err();
  return mkdir_record{p->text()};
}

// Structure only: a name from before the name rules must still be removable.
result<remove_record> master_state::validate_remove(std::string_view path) const {
  auto p = parse_path(path, path_rules::stored);
  if (!p) return p.err();
  if (auto ok = tree_.check_remove(*p); !ok) return ok.err();
  return remove_record{p->text()};
}

result<rename_record> master_state::validate_rename(std::string_view from,
                                                    std::string_view to) const {
  auto f = parse_path(from, path_rules::stored);  // like rm: an old bad name can be renamed
  if (!f) return f.err();
  auto t = parse_path(to);
  if (!t) return t.err();
  if (auto n = tree_.lookup(*t); n && (*n)->is_dir && !f->is_root())
    t->components.push_back(f->name());
  if (auto ok = tree_.check_rename(*f, *t); !ok) return ok.err();
  return rename_record{f->text(), t->text()};
}

result<allocate_record> master_state::validate_allocate(std::string_view path,
                                                        uint32_t chunk_count) const {
  auto p = parse_path(path);
  if (!p) return p.err();
  if (auto ok = tree_.check_file_target(*p); !ok) return ok.err();
  if (chunk_count == 0 || chunk_count > opts_.max_chunks_per_put)
    return make_error(errc::invalid_argument, "chunk count " + std::to_string(chunk_count) +
                                                  " for " + p->text() + " out of range 1.." +
                                                  std::to_string(opts_.max_chunks_per_put));
  return allocate_record{chunks_.next_handle(), chunk_count};
}

result<commit_record> master_state::validate_commit(const commit_request& req,
                                                    core::time_point now) const {
  auto p = parse_path(req.path);
  if (!p) return p.err();
  if (auto ok = tree_.check_file_target(*p); !ok) return ok.err();
  if (req.chunk_size_bytes < opts_.min_chunk_size_bytes ||
      req.chunk_size_bytes > opts_.max_chunk_size_bytes)
    return make_error(errc::invalid_argument, "chunk size " + std::to_string(req.chunk_size_bytes) +
                                                  " bytes for " + p->text() + " out of range " +
                                                  std::to_string(opts_.min_chunk_size_bytes) +
                                                  ".." +
                                                  std::to_string(opts_.max_chunk_size_bytes));
  if (req.chunks.size() > opts_.max_chunks_per_put)
    return make_error(errc::invalid_argument, "too many chunks for " + p->text());
  commit_record rec{p->text(),          1,          req.mtime_ms,   req.chunk_size_bytes,
                    opts_.max_versions, req.chunks, req.inline_data};
  if (!req.inline_data.empty()) {
    if (!req.chunks.empty())
      return make_error(errc::invalid_argument,
                        "commit of " + p->text() + " lists chunks and inline bytes");
    if (req.inline_data.size() > opts_.inline_max_bytes)
      return make_error(errc::inline_refused,
                        p->text() + ": " + std::to_string(req.inline_data.size()) +
                            " bytes are more than master.inline_max_bytes = " +
                            std::to_string(opts_.inline_max_bytes) + "; store it as chunks");
    if (inline_bytes_ + req.inline_data.size() > opts_.inline_budget_bytes)
      return make_error(errc::inline_refused, p->text() +
                                                  ": master.inline_budget_mib is spent; "
                                                  "store it as chunks");
  }
  for (const auto& c : req.chunks) {
    if (c.size_bytes > req.chunk_size_bytes)
      return make_error(errc::invalid_argument, "chunk " + c.handle.to_string() + " of " +
                                                    p->text() + " larger than the chunk size");
    // Uncommitted handles must still be in grace: after it, chunkservers may have deleted them.
    if (chunks_.is_uncommitted(c.handle) && !chunks_.in_grace(c.handle, now))
      return make_error(errc::unknown_handle, "chunk " + c.handle.to_string() + " of " + p->text() +
                                                  ": allocation expired, put again");
  }
  if (auto ok = check_commit_chunks(rec); !ok) return ok.err();
  auto node = tree_.lookup(*p);
  if (node) rec.version_number = (*node)->file.next_version;
  if (req.base_version != 0) {
    uint64_t newest =
        node && !(*node)->file.versions.empty() ? (*node)->file.versions.back().number : 0;
    if (newest != req.base_version)
      return make_error(errc::conflict,
                        p->text() + " changed meanwhile: version " +
                            (newest == 0 ? std::string("(none)") : std::to_string(newest)) +
                            " is the newest, the edit started from version " +
                            std::to_string(req.base_version) + " (--force to commit anyway)");
  }
  return rec;
}

// Checks shared by validate and apply: every chunk is either allocated-uncommitted or an
// existing chunk with the same metadata, and none appears twice.
result<void> master_state::check_commit_chunks(const commit_record& r) const {
  std::set<uint64_t> seen;
  for (const auto& c : r.chunks) {
    auto name = "chunk " + c.handle.to_string() + " of " + r.path;
    if (!seen.insert(c.handle.value).second)
      return make_error(errc::invalid_argument, name + " listed twice");
    if (c.chunk_version == 0) return make_error(errc::invalid_argument, name + ": version 0");
    if (chunks_.is_uncommitted(c.handle)) continue;
    const auto* e = chunks_.find(c.handle);
    if (e == nullptr)
      return make_error(errc::unknown_handle, name + ": handle not allocated or already freed");
    if (!(e->meta == c))
      return make_error(errc::invalid_argument, name + ": does not match the shared chunk");
  }
  return {};
}

std::optional<abandon_record> master_state::collect_expired(core::time_point now) const {
  auto handles = chunks_.expired(now);
  if (handles.empty()) return std::nullopt;
  return abandon_record{std::move(handles)};
}

namespace {

// The one path whose newest version's size a record may change, or null. A rename moves sizes
// without changing their sum (it never replaces a file), a remove takes a file or an empty
// directory, and a request_record's own mutation is applied (and counted) through apply().
const std::string* sized_path(const log_record& r) {
  return std::visit(overloaded{
                        [](const commit_record& x) { return &x.path; },
                        [](const remove_record& x) { return &x.path; },
                        [](const trash_record& x) { return &x.path; },
                        [](const restore_record& x) { return &x.path; },
                        [](const grow_record& x) { return &x.path; },
                        [](const materialize_record& x) { return &x.path; },
                        [](const auto&) -> const std::string* { return nullptr; },
                    },
                    r);
}

}  // namespace

uint64_t master_state::newest_size(const std::string& path) const {
  auto p = parse_path(path, path_rules::stored);
  if (!p) return 0;
  auto node = tree_.lookup(*p);
  if (!node || (*node)->is_dir || (*node)->file.versions.empty()) return 0;
  return (*node)->file.versions.back().size_bytes;
}

// apply() re-checks paths for structure only (path_rules::stored): a log written before the
// name rules existed must still replay; new names were checked by validate_*.
result<void> master_state::apply(const log_record& r, core::time_point now) {
  const std::string* sized = sized_path(r);
  uint64_t before = sized != nullptr ? newest_size(*sized) : 0;
  auto ok = apply_one(r, now);
  // Whatever the outcome: a record refused part-way must not leave the sum behind.
  if (sized != nullptr) total_file_bytes_ += newest_size(*sized) - before;  // mod 2^64
  return ok;
}

result<void> master_state::apply_one(const log_record& r, core::time_point now) {
  return std::visit(overloaded{
                        [&](const mkdir_record& x) { return apply_mkdir(x); },
                        [&](const remove_record& x) { return apply_remove(x); },
                        [&](const allocate_record& x) { return apply_allocate(x, now); },
                        [&](const commit_record& x) { return apply_commit(x); },
                        [&](const abandon_record& x) {
                          for (auto h : x.handles) chunks_.abandon(h);
                          return result<void>{};
                        },
                        [&](const trash_record& x) { return apply_trash(x); },
                        [&](const restore_record& x) { return apply_restore(x); },
                        [&](const purge_record& x) { return apply_purge(x); },
                        [&](const drain_record& x) { return apply_drain(x); },
                        [&](const rename_record& x) { return apply_rename(x); },
                        [&](const request_record& x) { return apply_request(x, now); },
                        [&](const bump_version_record& x) { return apply_bump(x); },
                        [&](const grow_record& x) { return apply_grow(x); },
                        [&](const cow_record& x) { return apply_cow(x); },
                        [&](const materialize_record& x) { return apply_materialize(x); },
                    },
                    r);
}

// The mutation, then its result in the request table: a record whose mutation does not apply
// leaves no entry either.
result<void> master_state::apply_request(const request_record& r, core::time_point now) {
  if (auto ok = apply(to_record(r.op), now); !ok) return ok;
  requests_.remember(r.id, r.outcome);
  return {};
}

result<void> master_state::apply_mkdir(const mkdir_record& r) {
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  if (auto ok = tree_.check_mkdir(*p); !ok) return ok.err();
  tree_.mkdir(*p);
  return {};
}

result<void> master_state::apply_remove(const remove_record& r) {
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  if (auto ok = tree_.check_remove(*p); !ok) return ok.err();
  auto node = tree_.remove(*p);
  if (!node->is_dir)
    for (const auto& v : node->file.versions) release_version(v);
  return {};
}

result<void> master_state::apply_allocate(const allocate_record& r, core::time_point now) {
  if (r.first != chunks_.next_handle() || r.count == 0)
    return corrupt("allocate record for handle " + r.first.to_string() + " but next is " +
                   chunks_.next_handle().to_string());
  // The bound validate_allocate keeps: a damaged record that passed its CRC must not make
  // replay allocate billions of handles (a hang at start; oplog_fuzz), nor wrap the handles.
  if (r.count > opts_.max_chunks_per_put ||
      r.count > std::numeric_limits<uint64_t>::max() - r.first.value)
    return corrupt("allocate record for " + std::to_string(r.count) + " handles");
  chunks_.allocate(r.first, r.count, now + opts_.handle_grace);
  return {};
}

result<void> master_state::apply_commit(const commit_record& r) {
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  if (auto ok = tree_.check_file_target(*p); !ok) return ok.err();
  if (auto ok = check_commit_chunks(r); !ok) return ok.err();
  auto existing = tree_.lookup(*p);
  uint64_t expected = existing ? (*existing)->file.next_version : 1;
  if (r.version_number != expected)
    return corrupt("commit of " + r.path + " as version " + std::to_string(r.version_number) +
                   " but next version is " + std::to_string(expected));
  if (!r.inline_data.empty() && !r.chunks.empty())
    return corrupt("commit of " + r.path + " with chunks and inline bytes");
  version_info v{r.version_number,   r.mtime_ms, r.inline_data.size(),
                 r.chunk_size_bytes, {},         r.inline_data};
  inline_bytes_ += v.inline_data.size();
  for (const auto& c : r.chunks) {
    if (chunks_.is_uncommitted(c.handle))
      chunks_.commit_new(c);
    else
      chunks_.add_ref(c.handle);
    v.size_bytes += c.size_bytes;
    v.chunks.push_back(c.handle);
  }
  auto& file = tree_.file_for_commit(*p);
  file.versions.push_back(std::move(v));
  file.next_version = r.version_number + 1;
  // The cap recorded at validation time, so replay drops exactly what live operation dropped.
  size_t keep = std::max<uint32_t>(1, r.max_versions);
  while (file.versions.size() > keep) {
    release_version(file.versions.front());
    file.versions.erase(file.versions.begin());
  }
  return {};
}

// -- trash ------------------------------------------------------------------------------------

result<trash_record> master_state::validate_trash(std::string_view path, uint64_t wall_ms) const {
  auto p = parse_path(path, path_rules::stored);
  if (!p) return p.err();
  auto node = tree_.lookup_file(*p);
  if (!node) return node.err();
  return trash_record{p->text(), next_trash_id_, wall_ms};
}

result<restore_record> master_state::validate_restore(std::string_view path,
                                                      std::string_view as) const {
  auto p = parse_path(path, path_rules::stored);
  if (!p) return p.err();
  const trash_entry* newest = trash_.newest_of(p->text());
  if (newest == nullptr) return make_error(errc::not_found, p->text() + " is not in the trash");
  auto target = parse_path(as.empty() ? path : as);
  if (!target) return target.err();
  if (tree_.lookup(*target))
    return make_error(errc::already_exists,
                      target->text() + " exists; undelete with --as NEWPATH to restore beside it");
  if (auto ok = tree_.check_file_target(*target); !ok) return ok.err();
  return restore_record{newest->id, target->text()};
}

result<purge_record> master_state::validate_purge(std::string_view path) const {
  purge_record r;
  std::string want;
  if (!path.empty()) {
    auto p = parse_path(path, path_rules::stored);
    if (!p) return p.err();
    want = p->text();
  }
  if (want.empty())
    for (const auto& [id, e] : trash_.entries()) r.trash_ids.push_back(id);
  else
    r.trash_ids = trash_.ids_of(want);
  if (r.trash_ids.empty() && !want.empty())
    return make_error(errc::not_found, want + " is not in the trash");
  return r;
}

std::optional<purge_record> master_state::collect_expired_trash(uint64_t wall_ms,
                                                                uint64_t ttl_ms) const {
  if (wall_ms < ttl_ms) return std::nullopt;
  purge_record r;
  r.trash_ids = trash_.deleted_by(wall_ms - ttl_ms, max_expired_per_purge);
  if (r.trash_ids.empty()) return std::nullopt;
  return r;
}

result<void> master_state::apply_trash(const trash_record& r) {
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  if (r.trash_id != next_trash_id_)
    return corrupt("trash record " + std::to_string(r.trash_id) + " but next trash id is " +
                   std::to_string(next_trash_id_));
  auto node = tree_.lookup_file(*p);
  if (!node) return node.err();
  auto removed = tree_.remove(*p);
  trash_.add({r.trash_id, p->text(), r.deleted_ms, std::move(removed->file)});
  next_trash_id_ = r.trash_id + 1;
  return {};
}

result<void> master_state::apply_restore(const restore_record& r) {
  if (!trash_.contains(r.trash_id))
    return make_error(errc::not_found, "trash entry " + std::to_string(r.trash_id) + " is gone");
  auto p = parse_path(r.path, path_rules::stored);
  if (!p) return p.err();
  if (tree_.lookup(*p)) return make_error(errc::already_exists, p->text() + " exists");
  if (auto ok = tree_.check_file_target(*p); !ok) return ok.err();
  tree_.file_for_commit(*p) = std::move(trash_.take(r.trash_id)->file);
  return {};
}

result<void> master_state::apply_purge(const purge_record& r) {
  for (auto id : r.trash_ids)
    if (!trash_.contains(id))
      return make_error(errc::not_found, "trash entry " + std::to_string(id) + " is gone");
  for (auto id : r.trash_ids) {
    auto e = trash_.take(id);
    if (!e) continue;  // listed twice
    for (const auto& v : e->file.versions) release_version(v);
  }
  return {};
}

void master_state::release_version(const version_info& v) {
  for (auto h : v.chunks) chunks_.release(h);
  inline_bytes_ -= v.inline_data.size();
}

}  // namespace dfs::master

namespace dfs::master {

result<void> master_state::apply_drain(const drain_record& r) {
  if (r.address.empty()) return make_error(errc::corrupt_state, "drain record without an address");
  if (r.on)
    draining_.insert(r.address);
  else
    draining_.erase(r.address);
  return {};
}

}  // namespace dfs::master

namespace dfs::master {

result<void> master_state::apply_rename(const rename_record& r) {
  auto f = parse_path(r.from, path_rules::stored);
  if (!f) return f.err();
  auto t = parse_path(r.to);
  if (!t) return t.err();
  if (auto ok = tree_.check_rename(*f, *t); !ok) return ok.err();
  tree_.rename(*f, *t);
  return {};
}

}  // namespace dfs::master

namespace dfs::master {

result<bump_version_record> master_state::validate_bump(chunk_handle h,
                                                        const node_id& primary) const {
  auto* e = chunks_.find(h);
  if (e == nullptr) return make_error(errc::unknown_handle, "no committed chunk " + h.to_string());
  return bump_version_record{h, e->meta.chunk_version + 1, primary};
}

result<void> master_state::apply_bump(const bump_version_record& r) {
  auto* e = chunks_.find(r.handle);
  if (e == nullptr)
    return make_error(errc::corrupt_state, "version bump of unknown chunk " + r.handle.to_string());
  if (r.chunk_version <= e->meta.chunk_version)
    return make_error(errc::corrupt_state, "version bump of chunk " + r.handle.to_string() +
                                               " to " + std::to_string(r.chunk_version) +
                                               ", not above " +
                                               std::to_string(e->meta.chunk_version));
  chunks_.set_version(r.handle, r.chunk_version, r.primary);
  return {};
}

}  // namespace dfs::master
