#pragma once
// Chunk files in a chunkserver's data directory. A plain class (no actor): the chunk store
// actor owns one and calls it from its own thread.
//
// Layout: <data_dir>/chunks/<handle as 16 hex digits>.chunk, each one file = header (handle,
// chunk version, length, whole CRC32C, per-64-KiB-block CRC32Cs; see core/chunkstore/
// chunk_meta.hpp) followed by the data. Writes go to <name>.tmp, fsync, rename, fsync dir, so a
// crash leaves the old chunk or the new one. Unreadable files found at open() are moved to
// <data_dir>/corrupt/ (kept for inspection, never served). A removed chunk's file becomes a
// spare (<n>.spare, empty) that a later new chunk file reuses: no inode freed and allocated
// (spare_files.hpp says why that matters). The chunks directory is created as a top directory's
// child (mark_top_dir), so that ext4 gives it a block group of its own.
//
// A new chunk written into a spare needs no directory sync (store() says whether it went
// there): a spare is durably linked under some name (its spare name, or a removed chunk's
// name, or a temporary one), the file's fsync makes its content durable, and that content
// names its chunk (header: handle, version, length, block CRCs). After a crash, open() adopts
// a file under any other name whose header is valid and whose every block verifies, when no
// file holds that chunk at the same or a newer version (via "<handle>.chunk.found", so that a file
// under the name another one is adopted to moves first); whatever fails was never acknowledged (the
// fsync comes before the answer) and becomes a spare again. A fresh file's name is durable only
// once its directory is synced, so a chunk in a fresh file still waits for that. This halves
// the disk cache flushes of a small-file create on each replica (issue 17).
//
// Writes in place (GFS mutations, core/chunkstore/chunk_mutation.hpp) go to format 2 files,
// whose header region has a fixed size (chunk_meta.hpp). Crash safety of an in-place write:
//   1. the touched blocks, whole, are written in place and fdatasync'ed (write_data);
//   2. only then the header (version, length, whole CRC, block CRCs, header CRC) is written in
//      place and fdatasync'ed (write_header); nothing is acknowledged before both returned.
// After a crash at any point, each touched block within the length the durable header states
// holds the old bytes (its old CRC matches), or new or mixed bytes (its old CRC does not match:
// the block reads as corrupt, the store sets the replica aside, the master re-replicates it).
// Bytes past that length belong to an extension never acknowledged: open() cuts them off. A
// torn header (old and new sectors) fails its own CRC, which covers every field and block CRC,
// and open() sets the file aside; a header that passes is wholly old or wholly new, and a new
// one is only written over data already durable. So no state passes its checksums with bytes
// other than the old or the new ones (up to CRC32C collisions, 2^-32 per block); a crash during
// a write may cost the replica, as GFS allows for a failed mutation (the client retries).
//
// The metadata of all chunks is kept in memory (loaded by open()): full reports and reads need
// no header I/O, and every read verifies the blocks it returns against these checksums.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.hpp"
#include "core/chunkstore/chunk_meta.hpp"
#include "core/chunkstore/chunk_mutation.hpp"
#include "core/chunkstore/error.hpp"
#include "storage/durable_file.hpp"
#include "storage/spare_files.hpp"

namespace dfs {

// The bytes of `view`, a view into `buf` (from read_into), as a string of their own: `buf`
// itself when the view starts it (no copy of up to 64 MiB), a copy otherwise.
std::string owned_bytes(std::string_view view, std::string&& buf);

// One line of a full chunk report.
struct stored_chunk {
  chunkstore::chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t length_bytes = 0;
};

// A chunk's file open for reading: its data starts at meta.header_bytes().
struct opened_chunk {
  unique_fd fd;
  chunkstore::chunk_meta meta;
};

class chunk_files {
 public:
  // Spares kept at most: inodes only (a spare is empty), so thousands cost nothing.
  static constexpr size_t default_max_spares = 4096;
  explicit chunk_files(std::string data_dir, size_t max_spares = default_max_spares);

  // Creates the directories, loads every chunk header, adopts chunks found under other names
  // (see the top), empties or deletes what holds none. Unreadable chunk files are moved to
  // corrupt/ with a warning. Fails only on I/O errors of the directory.
  io_status open(std::vector<std::string>& warnings);

  // Stores (or replaces) a chunk durably; returns its metadata (checksums computed here).
  chunkstore::result<chunkstore::chunk_meta> write(chunkstore::chunk_handle handle,
                                                   uint64_t chunk_version, std::string_view data);
  // write() in three steps, for callers that write many chunks at once (chunk_store): store()
  // touches no member state (safe without the caller's lock, one writer per handle at a time),
  // then the caller makes the directory durable (chunk_dir()), then install() records it.
  // `format` 2 makes a chunk that takes writes in place (a format 1 chunk's first write).
  // `into_spare` (if given): whether the file was a spare (no directory sync needed for a new
  // chunk, see the top).
  chunkstore::result<chunkstore::chunk_meta> store(chunkstore::chunk_handle handle,
                                                   uint64_t chunk_version, std::string_view data,
                                                   uint16_t format = chunkstore::chunk_file_version,
                                                   bool* into_spare = nullptr) const;
  void install(const chunkstore::chunk_meta& meta);
  const std::string& chunk_dir() const { return chunk_dir_; }

  // -- writes in place into a format 2 chunk (see the top). Like store(), these touch no member
  // state: the caller holds the chunk's lock and install()s the new metadata afterwards.
  struct prepared_write {
    chunkstore::mutation_span span;
    std::string image;  // the touched blocks' new bytes, from span.offset_bytes
    chunkstore::chunk_meta meta;
  };
  // Validates (chunk_mutation.hpp), loads the touched blocks and verifies them against `old`
  // (errc::corrupt names the block: never re-checksummed), lays `bytes` over them.
  chunkstore::result<prepared_write> prepare_write(const chunkstore::chunk_meta& old,
                                                   uint64_t offset, std::string_view bytes,
                                                   uint64_t version) const;
  // Step 1 and step 2 of an in-place write; write_in_place does prepare + both.
  chunkstore::result<void> write_data(const prepared_write& w) const;
  chunkstore::result<void> write_header(const chunkstore::chunk_meta& meta) const;
  chunkstore::result<chunkstore::chunk_meta> write_in_place(const chunkstore::chunk_meta& old,
                                                            uint64_t offset, std::string_view bytes,
                                                            uint64_t version) const;

  // Bytes [offset, offset + length) after verifying every block they touch. Errors:
  // not_found, out_of_range, corrupt ("corrupt block N of chunk H": report it to the master
  // and read another replica), io_error.
  chunkstore::result<std::string> read(chunkstore::chunk_handle handle, uint64_t offset,
                                       uint64_t length) const;
  // read() into `buf`, grown when too small but never shrunk or cleared, so that a buffer
  // reused read after read costs no allocation, zeroing or page faults: a view of the bytes,
  // valid until `buf` changes.
  chunkstore::result<std::string_view> read_into(chunkstore::chunk_handle handle, uint64_t offset,
                                                 uint64_t length, std::string& buf) const;
  // The chunk's file opened read-only, for a reader that verifies the bytes itself (a local
  // read, net/local_reads.hpp), with the metadata it had when opened. Errors: not_found,
  // io_error.
  chunkstore::result<opened_chunk> open_read(chunkstore::chunk_handle handle) const;
  // Reads and verifies the whole chunk (scrubbing).
  chunkstore::result<void> verify(chunkstore::chunk_handle handle) const;

  chunkstore::result<void> remove(chunkstore::chunk_handle handle);

  const chunkstore::chunk_meta* find(chunkstore::chunk_handle handle) const;
  std::vector<stored_chunk> list() const;  // by handle
  size_t chunk_count() const { return chunks_.size(); }
  uint64_t used_bytes() const { return used_bytes_; }  // file sizes incl. headers
  io_status free_bytes(uint64_t& free) const;
  std::string path_of(chunkstore::chunk_handle handle) const;
  spare_files& spares() { return spares_; }  // thread-safe itself (chunk_store::begin_stream)
  size_t spare_count() const { return spares_.size(); }

 private:
  chunkstore::result<chunkstore::chunk_meta> load_header(const std::string& path) const;
  // load_header, a size that matches (`extra_bytes`: what a chunk that takes writes in place
  // has past its header's length, an unfinished extension), and every block verified.
  chunkstore::result<chunkstore::chunk_meta> load_verified(const std::string& path,
                                                           uint64_t& extra_bytes) const;

  std::string data_dir_;
  std::string chunk_dir_;
  std::map<uint64_t, chunkstore::chunk_meta> chunks_;
  mutable spare_files spares_;  // taken by store(), which is const (thread-safe itself)
  uint64_t used_bytes_ = 0;
};

}  // namespace dfs
