#include "storage/chunk_files.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/assert.hpp"
#include "common/big_buffer.hpp"
#include "core/chunkstore/block_checksums.hpp"

namespace dfs {

namespace cs = chunkstore;

namespace {

constexpr const char* suffix = ".chunk";
constexpr const char* found_suffix = ".found";  // a chunk being adopted under its name (open)

cs::error io_err(const io_status& st) {
  return cs::make_error(cs::errc::io_error, st.message);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string owned_bytes(std::string_view view, std::string&& buf) {
  if (view.empty() || view.data() != buf.data()) return std::string(view);
  buf.resize(view.size());
  return std::move(buf);
}

chunk_files::chunk_files(std::string data_dir, size_t max_spares)
    : data_dir_(std::move(data_dir)),
      chunk_dir_(data_dir_ + "/chunks"),
      spares_(chunk_dir_, max_spares) {}

std::string chunk_files::path_of(cs::chunk_handle handle) const {
  return chunk_dir_ + "/" + handle.to_string() + suffix;
}

cs::result<cs::chunk_meta> chunk_files::load_header(const std::string& path) const {
  // One read covers the header of the largest allowed chunk; small chunks are read whole.
  uint64_t size = 0;
  if (auto st = file_size(path, size); !st) return cs::make_error(cs::errc::corrupt, st.message);
  std::string bytes;
  auto want = std::min<uint64_t>(size, cs::header_bytes_for(limits::max_chunk_size_bytes));
  if (auto st = read_range(path, 0, want, bytes); !st)
    return cs::make_error(cs::errc::corrupt, st.message);
  auto m = cs::decode_header(bytes);
  if (!m && m.err().code == cs::errc::out_of_range)
    return cs::make_error(cs::errc::corrupt, "chunk header truncated");
  return m;
}

io_status chunk_files::open(std::vector<std::string>& warnings) {
  if (auto st = make_dirs(data_dir_); !st) return st;
  // Only a new chunks directory is placed by this (best effort: not every file system can).
  (void)mark_top_dir(data_dir_);
  if (auto st = make_dirs(chunk_dir_); !st) return st;
  std::vector<std::string> names;
  if (auto st = list_dir(chunk_dir_, names); !st) return st;
  chunks_.clear();
  used_bytes_ = 0;
  auto set_aside = [&](const std::string& n, const std::string& why) {
    make_dirs(data_dir_ + "/corrupt");
    rename_file(chunk_dir_ + "/" + n, data_dir_ + "/corrupt/" + n);
    warnings.push_back("chunk file " + chunk_dir_ + "/" + n + " unusable (" + why +
                       "): moved to corrupt/");
  };
  // Files that may hold a chunk under a name that is not its own: a chunk written into a spare
  // whose new name a crash did not leave on disk (see the top of chunk_files.hpp).
  std::vector<std::string> others;
  std::vector<std::string> spares;
  for (const auto& n : names) {
    auto path = chunk_dir_ + "/" + n;
    uint64_t size = 0;
    if (spare_files::is_spare_name(n)) {
      (file_size(path, size) && size == 0 ? spares : others).push_back(n);
      continue;
    }
    if (ends_with(n, ".tmp") || ends_with(n, found_suffix)) {
      others.push_back(n);
      continue;
    }
    if (!ends_with(n, suffix)) continue;
    auto m = load_header(path);
    std::string why = !m ? m.err().message : "";
    if (m && !file_size(path, size)) why = "cannot stat it";
    auto want = m ? m->header_bytes() + m->length_bytes : 0;
    if (m && why.empty() && size > want && m->format == cs::chunk_file_version_mutable) {
      // An in-place write that extended the chunk and crashed before its header: never
      // acknowledged, cut it off (its header and every block it states are intact).
      if (auto st = truncate_file(path, want); !st) return st;
      warnings.push_back("chunk file " + path + ": cut " + std::to_string(size - want) +
                         " bytes of an unfinished write");
      size = want;
    }
    if (m && why.empty() && size != want)
      why = "file size " + std::to_string(size) + " does not match its header";
    if (m && why.empty() && path_of(m->handle) != path) {
      others.push_back(n);
      continue;
    }
    if (why.empty()) {
      used_bytes_ += size;
      chunks_[m->handle.value] = std::move(*m);
      continue;
    }
    set_aside(n, why);
  }
  // A chunk found under another name is adopted when every block verifies and no file holds
  // that chunk at the same or a newer version (a chunk removed, then stored again at a newer
  // version, may leave its old file under its name); anything else was never acknowledged or
  // is stale: a spare is emptied, a temporary file deleted, a chunk file named after another
  // chunk set aside.
  // Adopted files go to "<handle>.chunk.found" first and to their own names only after every
  // other file was dealt with: a file may sit under the name another one is adopted to (a
  // removed chunk's name holding a new chunk), and must not be replaced before it moved.
  // A crash in between leaves *.found files, which the next open treats like any other.
  std::map<uint64_t, std::string> found;  // handle -> its "<handle>.chunk.found" path
  for (const auto& n : others) {
    auto path = chunk_dir_ + "/" + n;
    uint64_t extra = 0;
    auto m = load_verified(path, extra);
    auto held = m ? chunks_.find(m->handle.value) : chunks_.end();
    if (m && (held == chunks_.end() || held->second.chunk_version < m->chunk_version)) {
      if (held != chunks_.end()) {  // an older version, under its name or found before
        used_bytes_ -= held->second.header_bytes() + held->second.length_bytes;
        warnings.push_back("chunk " + m->handle.to_string() + " version " +
                           std::to_string(held->second.chunk_version) + " replaced by version " +
                           std::to_string(m->chunk_version) + " found in " + path);
      }
      if (extra > 0) {
        if (auto st = truncate_file(path, m->header_bytes() + m->length_bytes); !st) return st;
        warnings.push_back("chunk file " + path + ": cut " + std::to_string(extra) +
                           " bytes of an unfinished write");
      }
      auto to = path_of(m->handle) + found_suffix;
      if (auto st = rename_file(path, to); !st) return st;
      warnings.push_back("chunk file " + path + " holds chunk " + m->handle.to_string() +
                         " version " + std::to_string(m->chunk_version) +
                         " (its name was not on disk at a crash): renamed to " +
                         path_of(m->handle));
      found[m->handle.value] = to;
      used_bytes_ += m->header_bytes() + m->length_bytes;
      chunks_[m->handle.value] = std::move(*m);
    } else if (spare_files::is_spare_name(n)) {
      if (truncate_file(path, 0))
        spares.push_back(n);
      else
        remove_file(path);  // no file left under a spare name the pool does not know
    } else if (ends_with(n, ".tmp") || ends_with(n, found_suffix)) {
      remove_file(path);  // an interrupted write, or a copy of a chunk held under its name
    } else {
      set_aside(n, m ? "chunk " + m->handle.to_string() + " version " +
                           std::to_string(m->chunk_version) + ", not newer than the one kept"
                     : "its header names another chunk and " + m.err().message);
    }
  }
  for (auto& [h, from] : found)
    if (auto st = rename_file(from, path_of(cs::chunk_handle{h})); !st) return st;
  spares_.adopt(spares);
  if (!found.empty())
    if (auto st = fsync_dir(chunk_dir_); !st) return st;
  return {};
}

cs::result<cs::chunk_meta> chunk_files::load_verified(const std::string& path,
                                                      uint64_t& extra_bytes) const {
  auto m = load_header(path);
  if (!m) return m;
  uint64_t size = 0, want = m->header_bytes() + m->length_bytes;
  // A chunk that takes writes in place may have been extended past its header's length by a
  // write that a crash interrupted (never acknowledged): the caller cuts that off, as open()
  // does for a chunk under its own name.
  if (!file_size(path, size) ||
      (size != want && !(m->format == cs::chunk_file_version_mutable && size > want)))
    return cs::make_error(cs::errc::corrupt, "its size does not match its header");
  extra_bytes = size - want;
  std::string data;
  if (auto st = read_range(path, m->header_bytes(), m->length_bytes, data); !st)
    return cs::make_error(cs::errc::corrupt, st.message);
  if (auto ok = cs::verify_blocks(0, data, m->block_crcs); !ok) return ok.err();
  return m;
}

cs::result<cs::chunk_meta> chunk_files::write(cs::chunk_handle handle, uint64_t chunk_version,
                                              std::string_view data) {
  auto m = store(handle, chunk_version, data);
  if (!m) return m;
  if (auto st = fsync_dir(chunk_dir_); !st) return io_err(st);
  install(*m);
  return m;
}

cs::result<cs::chunk_meta> chunk_files::store(cs::chunk_handle handle, uint64_t chunk_version,
                                              std::string_view data, uint16_t format,
                                              bool* into_spare) const {
  if (data.size() > limits::max_chunk_size_bytes)
    return cs::make_error(cs::errc::invalid_argument, "chunk too large");
  auto meta = cs::describe_chunk(handle, chunk_version, data);
  meta.format = format;
  auto path = path_of(handle);
  bool spare = spares_.take(tmp_path_of(path));  // else write_and_rename creates it
  if (into_spare) *into_spare = spare;
  // Header and data in one gathering write: no third copy of up to 64 MiB to join them.
  if (auto st = write_and_rename(path, cs::encode_header(meta), data); !st) return io_err(st);
  return meta;
}

void chunk_files::install(const cs::chunk_meta& meta) {
  auto old = chunks_.find(meta.handle.value);
  if (old != chunks_.end()) used_bytes_ -= old->second.header_bytes() + old->second.length_bytes;
  used_bytes_ += meta.header_bytes() + meta.length_bytes;
  chunks_[meta.handle.value] = meta;
}

cs::result<chunk_files::prepared_write> chunk_files::prepare_write(const cs::chunk_meta& old,
                                                                   uint64_t offset,
                                                                   std::string_view bytes,
                                                                   uint64_t version) const {
  DFS_ASSERT(old.format == cs::chunk_file_version_mutable, "in-place writes need format 2");
  auto span = cs::plan_mutation(old, offset, bytes.size(), version);
  if (!span) return span.err();
  prepared_write w;
  w.span = *span;
  auto chunk = "chunk " + old.handle.to_string();
  if (span->old_bytes > 0) {
    if (auto st = read_range(path_of(old.handle), old.header_bytes() + span->offset_bytes,
                             span->old_bytes, w.image);
        !st) {
      auto code = st.code == EILSEQ ? cs::errc::corrupt : cs::errc::io_error;
      return cs::make_error(code, chunk + ": " + st.message);
    }
    // Read-modify-write of a damaged block would sign its bad bytes: refuse instead.
    if (auto ok = cs::verify_blocks(span->first_block, w.image, old.block_crcs); !ok)
      return cs::make_error(cs::errc::corrupt, ok.err().message + " of " + chunk);
  }
  auto image_end =
      std::min(span->new_end_bytes, (span->first_block + span->block_count) * cs::block_size_bytes);
  w.image.resize(image_end - span->offset_bytes, '\0');
  w.image.replace(offset - span->offset_bytes, bytes.size(), bytes);
  w.meta = cs::apply_mutation(old, *span, w.image, version);
  return w;
}

cs::result<void> chunk_files::write_data(const prepared_write& w) const {
  if (auto st = write_range_durable(path_of(w.meta.handle),
                                    w.meta.header_bytes() + w.span.offset_bytes, w.image);
      !st)
    return io_err(st);
  return {};
}

cs::result<void> chunk_files::write_header(const cs::chunk_meta& meta) const {
  DFS_ASSERT(meta.format == cs::chunk_file_version_mutable, "in-place header needs format 2");
  if (auto st = write_range_durable(path_of(meta.handle), 0, cs::encode_header(meta)); !st)
    return io_err(st);
  return {};
}

cs::result<cs::chunk_meta> chunk_files::write_in_place(const cs::chunk_meta& old, uint64_t offset,
                                                       std::string_view bytes,
                                                       uint64_t version) const {
  auto w = prepare_write(old, offset, bytes, version);
  if (!w) return w.err();
  if (auto r = write_data(*w); !r) return r.err();
  if (auto r = write_header(w->meta); !r) return r.err();
  return std::move(w->meta);
}

cs::result<std::string> chunk_files::read(cs::chunk_handle handle, uint64_t offset,
                                          uint64_t length) const {
  std::string buf;
  auto v = read_into(handle, offset, length, buf);
  if (!v) return v.err();
  return owned_bytes(*v, std::move(buf));
}

cs::result<std::string_view> chunk_files::read_into(cs::chunk_handle handle, uint64_t offset,
                                                    uint64_t length, std::string& buf) const {
  auto it = chunks_.find(handle.value);
  if (it == chunks_.end())
    return cs::make_error(cs::errc::not_found, "no chunk " + handle.to_string());
  const auto& m = it->second;
  auto span = cs::blocks_for_range(offset, length, m.length_bytes);
  if (!span) return span.err();
  if (buf.size() < span->length_bytes) resize_big(buf, span->length_bytes);
  if (auto st = read_range_to(path_of(handle), m.header_bytes() + span->offset_bytes,
                              span->length_bytes, buf.data());
      !st) {
    // A file cut short is damage to this replica, like a bad block.
    auto code = st.code == EILSEQ ? cs::errc::corrupt : cs::errc::io_error;
    return cs::make_error(code, "chunk " + handle.to_string() + ": " + st.message);
  }
  std::string_view bytes(buf.data(), span->length_bytes);
  if (auto ok = cs::verify_blocks(span->first_block, bytes, m.block_crcs); !ok)
    return cs::make_error(cs::errc::corrupt, ok.err().message + " of chunk " + handle.to_string());
  return bytes.substr(offset - span->offset_bytes, length);
}

cs::result<opened_chunk> chunk_files::open_read(cs::chunk_handle handle) const {
  auto it = chunks_.find(handle.value);
  if (it == chunks_.end())
    return cs::make_error(cs::errc::not_found, "no chunk " + handle.to_string());
  auto path = path_of(handle);
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return cs::make_error(cs::errc::io_error, "open " + path + ": " + std::strerror(errno));
  return opened_chunk{std::move(fd), it->second};
}

cs::result<void> chunk_files::verify(cs::chunk_handle handle) const {
  const auto* m = find(handle);
  if (m == nullptr) return cs::make_error(cs::errc::not_found, "no chunk " + handle.to_string());
  auto r = read(handle, 0, m->length_bytes);
  if (!r) return r.err();
  return {};
}

cs::result<void> chunk_files::remove(cs::chunk_handle handle) {
  auto it = chunks_.find(handle.value);
  if (it == chunks_.end())
    return cs::make_error(cs::errc::not_found, "no chunk " + handle.to_string());
  if (auto st = spares_.retire(path_of(handle)); !st) return io_err(st);
  used_bytes_ -= it->second.header_bytes() + it->second.length_bytes;
  chunks_.erase(it);
  return {};
}

const cs::chunk_meta* chunk_files::find(cs::chunk_handle handle) const {
  auto it = chunks_.find(handle.value);
  return it == chunks_.end() ? nullptr : &it->second;
}

std::vector<stored_chunk> chunk_files::list() const {
  std::vector<stored_chunk> out;
  out.reserve(chunks_.size());
  for (const auto& [h, m] : chunks_) out.push_back({m.handle, m.chunk_version, m.length_bytes});
  return out;
}

io_status chunk_files::free_bytes(uint64_t& free) const {
  uint64_t total = 0;
  return disk_space(data_dir_, free, total);
}

}  // namespace dfs
