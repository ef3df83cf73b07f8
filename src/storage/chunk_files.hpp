#pragma once
// Chunk files in a chunkserver's data directory. A plain class (no actor): the chunk store
// actor owns one and calls it from its own thread.
//
// Layout: <data_dir>/chunks/<handle as 16 hex digits>.chunk, each one file = header (handle,
// chunk version, length, whole CRC32C, per-64-KiB-block CRC32Cs; see core/chunkstore/
// chunk_meta.hpp) followed by the data. Writes go to <name>.tmp, fsync, rename, fsync dir, so a
// crash leaves the old chunk or the new one. Unreadable files found at open() are moved to
// <data_dir>/corrupt/ (kept for inspection, never served).
//
// The metadata of all chunks is kept in memory (loaded by open()): full reports and reads need
// no header I/O, and every read verifies the blocks it returns against these checksums.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/chunkstore/chunk_meta.hpp"
#include "core/chunkstore/error.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

// One line of a full chunk report.
struct stored_chunk {
  chunkstore::chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t length_bytes = 0;
};

class chunk_files {
 public:
  explicit chunk_files(std::string data_dir);

  // Creates the directories, deletes *.tmp leftovers, loads every chunk header. Unreadable
  // chunk files are moved to corrupt/ with a warning. Fails only on I/O errors of the directory.
  io_status open(std::vector<std::string>& warnings);

  // Stores (or replaces) a chunk durably; returns its metadata (checksums computed here).
  chunkstore::result<chunkstore::chunk_meta> write(chunkstore::chunk_handle handle,
                                                   uint64_t chunk_version, std::string_view data);
  // write() in three steps, for callers that write many chunks at once (chunk_store): store()
  // touches no member state (safe without the caller's lock, one writer per handle at a time),
  // then the caller makes the directory durable (chunk_dir()), then install() records it.
  chunkstore::result<chunkstore::chunk_meta> store(chunkstore::chunk_handle handle,
                                                   uint64_t chunk_version,
                                                   std::string_view data) const;
  void install(const chunkstore::chunk_meta& meta);
  const std::string& chunk_dir() const { return chunk_dir_; }

  // Bytes [offset, offset + length) after verifying every block they touch. Errors:
  // not_found, out_of_range, corrupt ("corrupt block N of chunk H": report it to the master
  // and read another replica), io_error.
  chunkstore::result<std::string> read(chunkstore::chunk_handle handle, uint64_t offset,
                                       uint64_t length) const;
  // Reads and verifies the whole chunk (scrubbing).
  chunkstore::result<void> verify(chunkstore::chunk_handle handle) const;

  chunkstore::result<void> remove(chunkstore::chunk_handle handle);

  const chunkstore::chunk_meta* find(chunkstore::chunk_handle handle) const;
  std::vector<stored_chunk> list() const;  // by handle
  size_t chunk_count() const { return chunks_.size(); }
  uint64_t used_bytes() const { return used_bytes_; }  // file sizes incl. headers
  io_status free_bytes(uint64_t& free) const;
  std::string path_of(chunkstore::chunk_handle handle) const;

 private:
  chunkstore::result<chunkstore::chunk_meta> load_header(const std::string& path) const;

  std::string data_dir_;
  std::string chunk_dir_;
  std::map<uint64_t, chunkstore::chunk_meta> chunks_;
  uint64_t used_bytes_ = 0;
};

}  // namespace dfs
