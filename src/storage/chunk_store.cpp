#include "storage/chunk_store.hpp"

#include <unistd.h>

#include <algorithm>

#include "common/big_buffer.hpp"
#include "common/crc32c.hpp"
#include "common/logging.hpp"

namespace dfs {

namespace cs = chunkstore;

chunk_store::chunk_store(std::string data_dir, cs::pending_limits limits)
    : data_dir_(data_dir),
      files_(std::move(data_dir)),
      dir_sync_(files_.chunk_dir()),
      pending_(limits),
      limits_(limits) {}

io_status chunk_store::open(std::vector<std::string>& warnings) {
  std::unique_lock lk(files_mu_);
  if (auto st = files_.open(warnings); !st) return st;
  if (!filler_)
    filler_ = std::make_unique<spare_filler>(files_.spares(), spares_low, spares_high,
                                             [this] { return dir_sync_.sync(); });
  filler_->poke();
  return {};
}

namespace {

cs::error already_stored(cs::chunk_handle h) {
  return cs::make_error(cs::errc::exists, "chunk " + h.to_string() +
                                              " is already committed here; a push never "
                                              "overwrites a replica");
}

// A push that may still turn out to repeat the committed replica `m` (checked at finalize).
bool may_repeat(const cs::chunk_meta& m, uint64_t version, uint64_t size_bytes) {
  return m.chunk_version == version && m.length_bytes == size_bytes;
}

}  // namespace

cs::result<void> chunk_store::begin(cs::data_id id, cs::chunk_handle h, uint64_t version,
                                    uint64_t size_bytes) {
  // A committed replica is never overwritten, whatever the request says (checked again at
  // finalize, under the chunk's lock); only a repeat of its very bytes is let through.
  if (auto m = stat(h); m && !may_repeat(*m, version, size_bytes)) return already_stored(h);
  std::lock_guard lk(pending_mu_);
  auto r = pending_.start(id, h, version, size_bytes, core::clock::now());
  if (!r) return r;
  reserve_big(buffers_[id.value], size_bytes);
  return {};
}

cs::result<void> chunk_store::append(cs::data_id id, std::string_view bytes) {
  std::lock_guard lk(pending_mu_);
  auto r = pending_.add_bytes(id, bytes.size(), core::clock::now());
  if (!r) return r;
  buffers_[id.value].append(bytes);
  return {};
}

cs::result<cs::chunk_meta> chunk_store::finalize(cs::data_id id) {
  std::string data;
  cs::pending_entry e;
  {
    std::lock_guard lk(pending_mu_);
    auto r = pending_.finish(id);
    if (!r) return r.err();
    e = *r;
    data = std::move(buffers_[id.value]);
    buffers_.erase(id.value);
  }
  std::lock_guard hl(handle_mutex(e.handle));
  if (auto m = stat(e.handle)) {
    if (may_repeat(*m, e.chunk_version, data.size()) && m->crc32c == crc32c(data)) return *m;
    return already_stored(e.handle);
  }
  bool into_spare = false;
  auto m =
      files_.store(e.handle, e.chunk_version, data, cs::pushed_format(data.size()), &into_spare);
  if (filler_) filler_->poke();
  if (!m) return m;
  if (!into_spare) {
    if (auto r = sync_and_install(*m); !r) return r.err();
    return m;
  }
  // A new chunk in a spare: durable with the file's fsync, whatever name a crash leaves it
  // under (chunk_files.hpp). A directory fsync that failed before still refuses writes.
  if (auto st = dir_sync_.status(); !st) return cs::make_error(cs::errc::io_error, st.message);
  installed(*m);
  return m;
}

cs::result<chunk_stream> chunk_store::begin_stream(cs::chunk_handle h, uint64_t version,
                                                   uint64_t length) {
  if (stat(h)) return already_stored(h);
  return chunk_stream::create(files_.path_of(h), h, version, length, &files_.spares());
}

cs::result<cs::chunk_meta> chunk_store::finish_stream(chunk_stream& s) {
  std::lock_guard hl(handle_mutex(s.handle()));
  if (stat(s.handle())) {
    s.abandon();
    return already_stored(s.handle());
  }
  auto m = s.finish();
  if (!m) return m;
  if (auto r = sync_and_install(*m); !r) return r.err();
  return m;
}

void chunk_store::cancel(cs::data_id id) {
  std::lock_guard lk(pending_mu_);
  pending_.cancel(id);
  buffers_.erase(id.value);
}

size_t chunk_store::expire(core::time_point now) {
  std::lock_guard lk(pending_mu_);
  auto ids = pending_.on_tick(now);
  for (auto id : ids) buffers_.erase(id.value);
  size_t n = ids.size();
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    held_bytes_ -= it->second.bytes->size();
    it = held_.erase(it);
    ++n;
  }
  return n;
}

cs::result<void> chunk_store::begin_held(cs::data_id id, cs::chunk_handle h, uint64_t version,
                                         uint64_t size_bytes) {
  if (!stat(h))
    return cs::make_error(cs::errc::not_found,
                          "no replica of chunk " + h.to_string() + " here to mutate");
  std::lock_guard lk(pending_mu_);
  pending_.cancel(id);  // a retried push of the same data replaces an unfinished one
  buffers_.erase(id.value);
  auto r = pending_.start(id, h, version, size_bytes, core::clock::now());
  if (!r) return r;
  reserve_big(buffers_[id.value], size_bytes);
  return {};
}

cs::result<void> chunk_store::hold(cs::data_id id) {
  std::lock_guard lk(pending_mu_);
  auto r = pending_.finish(id);
  if (!r) return r.err();
  auto bytes = std::make_shared<const std::string>(std::move(buffers_[id.value]));
  buffers_.erase(id.value);
  if (auto it = held_.find(id.value); it != held_.end()) {
    held_bytes_ -= it->second.bytes->size();
    held_.erase(it);
  }
  if (held_bytes_ + bytes->size() > limits_.max_total_bytes)
    return cs::make_error(cs::errc::busy, "too much pushed data is waiting for its mutation");
  held_bytes_ += bytes->size();
  held_[id.value] = {std::move(bytes), core::clock::now() + limits_.ttl};
  return {};
}

std::shared_ptr<const std::string> chunk_store::held(cs::data_id id) {
  std::lock_guard lk(pending_mu_);
  auto it = held_.find(id.value);
  return it == held_.end() ? nullptr : it->second.bytes;
}

void chunk_store::drop_held(cs::data_id id) {
  std::lock_guard lk(pending_mu_);
  if (auto it = held_.find(id.value); it != held_.end()) {
    held_bytes_ -= it->second.bytes->size();
    held_.erase(it);
  }
}

cs::result<std::string> chunk_store::read(cs::chunk_handle h, uint64_t offset, uint64_t length) {
  std::string buf;
  auto v = read_into(h, offset, length, buf);
  if (!v) return v.err();
  return owned_bytes(*v, std::move(buf));
}

cs::result<std::string_view> chunk_store::read_into(cs::chunk_handle h, uint64_t offset,
                                                    uint64_t length, std::string& buf) {
  cs::result<std::string_view> r = cs::make_error(cs::errc::not_found, "");
  {
    std::shared_lock lk(files_mu_);
    r = files_.read_into(h, offset, length, buf);
  }
  if (r || r.err().code != cs::errc::corrupt) return r;
  // A finalize of the same chunk may have replaced the file between our table lookup and the
  // read: read again with writers of this chunk held off before calling the replica corrupt.
  std::lock_guard hl(handle_mutex(h));
  {
    std::shared_lock lk(files_mu_);
    r = files_.read_into(h, offset, length, buf);
  }
  if (r || r.err().code != cs::errc::corrupt) return r;
  // Never serve this replica again: set the file aside and let the master know.
  ++corrupt_;
  log::get("chunkstore")
      ->error("corrupt_replica chunk={} error=\"{}\" action=set_aside", h.to_string(),
              r.err().message);
  set_aside(h);
  return r;
}

cs::result<opened_chunk> chunk_store::open_read(cs::chunk_handle h) const {
  std::shared_lock lk(files_mu_);
  return files_.open_read(h);
}

cs::result<void> chunk_store::set_version(cs::chunk_handle h, uint64_t version) {
  std::lock_guard hl(handle_mutex(h));
  auto m = stat(h);
  if (!m) return cs::make_error(cs::errc::not_found, "no chunk " + h.to_string());
  if (m->chunk_version >= version) return {};
  return set_version_locked(*m, version);
}

cs::result<void> chunk_store::set_version_locked(const cs::chunk_meta& m, uint64_t version) {
  if (m.format == cs::chunk_file_version_mutable) {  // header only: the data is not re-signed
    auto nm = m;
    nm.chunk_version = version;
    if (auto r = files_.write_header(nm); !r) return r;
    installed(nm);
    return {};
  }
  cs::result<std::string> data = cs::make_error(cs::errc::not_found, "");
  {
    std::shared_lock lk(files_mu_);
    data = files_.read(m.handle, 0, m.length_bytes);  // verified: a bad replica is not re-signed
  }
  if (!data) return data.err();
  // A version bump means a lease: writes follow, so the one rewrite makes it in-place already.
  auto nm = files_.store(m.handle, version, *data, cs::chunk_file_version_mutable);
  if (!nm) return nm.err();
  return sync_and_install(*nm);
}

cs::result<cs::chunk_meta> chunk_store::write_at(cs::chunk_handle h, uint64_t offset,
                                                 std::string_view bytes, uint64_t version) {
  std::lock_guard hl(handle_mutex(h));
  auto m = stat(h);
  if (!m) return cs::make_error(cs::errc::not_found, "no chunk " + h.to_string());
  return write_locked(*m, offset, bytes, version);
}

cs::result<cs::chunk_meta> chunk_store::pad_to(cs::chunk_handle h, uint64_t size_bytes,
                                               uint64_t version) {
  std::lock_guard hl(handle_mutex(h));
  auto m = stat(h);
  if (!m) return cs::make_error(cs::errc::not_found, "no chunk " + h.to_string());
  if (size_bytes < m->length_bytes)
    return cs::make_error(cs::errc::invalid_argument,
                          "pad to " + std::to_string(size_bytes) + " is below the end of chunk " +
                              h.to_string() + " (" + std::to_string(m->length_bytes) + " bytes)");
  // A write's checks (version, size limit) before any padding is allocated.
  auto plan = cs::plan_mutation(*m, m->length_bytes,
                                std::max<uint64_t>(1, size_bytes - m->length_bytes), version);
  if (!plan) return plan.err();
  if (size_bytes == m->length_bytes) {
    if (version == m->chunk_version) return *m;
    if (auto r = set_version_locked(*m, version); !r) return r.err();
    return *stat(h);
  }
  return write_locked(*m, m->length_bytes, std::string(size_bytes - m->length_bytes, '\0'),
                      version);
}

cs::result<cs::chunk_meta> chunk_store::write_locked(const cs::chunk_meta& m, uint64_t offset,
                                                     std::string_view bytes, uint64_t version) {
  auto plan = cs::plan_mutation(m, offset, bytes.size(), version);
  if (!plan) return plan.err();
  auto nm = m.format == cs::chunk_file_version_mutable
                ? files_.write_in_place(m, offset, bytes, version)
                : rewrite_mutable(m, offset, bytes, version);
  if (!nm) {
    if (nm.err().code == cs::errc::corrupt) {
      // The blocks under the write fail their checksums: this replica is bad, as for a read.
      ++corrupt_;
      log::get("chunkstore")
          ->error("corrupt_replica chunk={} error=\"{}\" action=set_aside", m.handle.to_string(),
                  nm.err().message);
      set_aside(m.handle);
    }
    return nm;
  }
  installed(*nm);
  return nm;
}

// A chunk's first write: the whole chunk, verified, with the write laid over it, stored
// atomically (tmp + rename) in the in-place format.
cs::result<cs::chunk_meta> chunk_store::rewrite_mutable(const cs::chunk_meta& m, uint64_t offset,
                                                        std::string_view bytes, uint64_t version) {
  cs::result<std::string> data = cs::make_error(cs::errc::not_found, "");
  {
    std::shared_lock lk(files_mu_);
    data = files_.read(m.handle, 0, m.length_bytes);
  }
  if (!data) return data.err();
  auto& d = *data;
  if (d.size() < offset + bytes.size()) d.resize(offset + bytes.size());
  d.replace(offset, bytes.size(), bytes);
  auto nm = files_.store(m.handle, version, d, cs::chunk_file_version_mutable);
  if (!nm) return nm;
  if (auto st = dir_sync_.sync(); !st) return cs::make_error(cs::errc::io_error, st.message);
  return nm;
}

cs::result<void> chunk_store::sync_and_install(const cs::chunk_meta& m) {
  if (auto st = dir_sync_.sync(); !st) return cs::make_error(cs::errc::io_error, st.message);
  installed(m);
  return {};
}

void chunk_store::installed(const cs::chunk_meta& m) {
  {
    std::unique_lock lk(files_mu_);
    files_.install(m);
  }
  note_added(m);
}

void chunk_store::set_aside(cs::chunk_handle h) {
  std::unique_lock lk(files_mu_);
  if (files_.find(h) == nullptr) return;
  make_dirs(data_dir_ + "/corrupt");
  rename_file(files_.path_of(h), data_dir_ + "/corrupt/" + h.to_string() + ".chunk");
  (void)files_.remove(h);
  note_removed(h.value);
}

std::optional<cs::chunk_meta> chunk_store::stat(cs::chunk_handle h) const {
  std::shared_lock lk(files_mu_);
  auto* m = files_.find(h);
  if (m == nullptr) return std::nullopt;
  return *m;
}

std::vector<stored_chunk> chunk_store::list() const {
  std::shared_lock lk(files_mu_);
  return files_.list();
}

void chunk_store::remove(cs::chunk_handle h) {
  std::lock_guard hl(handle_mutex(h));
  std::unique_lock lk(files_mu_);
  if (files_.find(h) == nullptr) return;
  if (auto r = files_.remove(h); !r) {
    log::get("chunkstore")
        ->warn("delete_failed chunk={} error=\"{}\"", h.to_string(), r.err().message);
    return;
  }
  note_removed(h.value);
}

std::vector<chunk_report> chunk_store::full_report() {
  std::vector<chunk_report> out;
  std::lock_guard lc(changes_mu_);
  std::shared_lock lk(files_mu_);
  for (auto& c : files_.list()) out.push_back({c.handle.value, c.chunk_version, c.length_bytes});
  added_.clear();
  removed_.clear();
  return out;
}

void chunk_store::drain_changes(std::vector<chunk_report>& added, std::vector<uint64_t>& removed) {
  std::lock_guard lk(changes_mu_);
  for (auto& [h, r] : added_) added.push_back(r);
  removed.assign(removed_.begin(), removed_.end());
  added_.clear();
  removed_.clear();
}

void chunk_store::restore_changes(const std::vector<chunk_report>& added,
                                  const std::vector<uint64_t>& removed) {
  std::lock_guard lk(changes_mu_);
  for (auto h : removed)
    if (!added_.count(h)) removed_.insert(h);
  for (auto& r : added)
    if (!removed_.count(r.handle) && !added_.count(r.handle)) added_[r.handle] = r;
}

uint64_t chunk_store::used_bytes() const {
  std::shared_lock lk(files_mu_);
  return files_.used_bytes();
}

std::pair<uint64_t, uint64_t> chunk_store::offered_space(uint64_t capacity_bytes) const {
  // chunk_dir() never changes after construction.
  return dfs::offered_space(files_.chunk_dir(), capacity_bytes, used_bytes());
}

size_t chunk_store::chunk_count() const {
  std::shared_lock lk(files_mu_);
  return files_.chunk_count();
}

void chunk_store::note_added(const cs::chunk_meta& m) {
  std::lock_guard lk(changes_mu_);
  removed_.erase(m.handle.value);
  added_[m.handle.value] = {m.handle.value, m.chunk_version, m.length_bytes};
}

void chunk_store::note_removed(uint64_t h) {
  std::lock_guard lk(changes_mu_);
  added_.erase(h);
  removed_.insert(h);
}

std::shared_ptr<chunk_store> open_chunk_store(const std::string& data_dir, uint32_t ttl_ms,
                                              uint64_t max_pending_bytes) {
  cs::pending_limits limits;
  limits.ttl = std::chrono::milliseconds(ttl_ms);
  limits.max_total_bytes = max_pending_bytes;
  auto store = std::make_shared<chunk_store>(data_dir, limits);
  std::vector<std::string> warnings;
  auto st = store->open(warnings);
  auto log = log::get("chunkstore");
  for (auto& w : warnings) log->warn("chunk_store_open {}", w);
  if (!st) {
    log->critical("chunk_store_unusable dir={} error=\"{}\"", data_dir, st.message);
    log::shutdown();
    _exit(3);
  }
  log->info("chunk_store_opened dir={} chunks={} used_bytes={}", data_dir, store->chunk_count(),
            store->used_bytes());
  return store;
}

void chunk_store::note_read(cs::chunk_handle h) {
  std::lock_guard g(reads_mu_);
  if (reads_.size() < max_read_counters || reads_.count(h.value)) ++reads_[h.value];
}

std::vector<chunk_reads> chunk_store::drain_reads() {
  std::map<uint64_t, uint64_t> taken;
  {
    std::lock_guard g(reads_mu_);
    taken.swap(reads_);
  }
  std::vector<chunk_reads> out;
  out.reserve(taken.size());
  for (auto& [h, n] : taken) out.push_back({h, n});
  return out;
}

}  // namespace dfs
