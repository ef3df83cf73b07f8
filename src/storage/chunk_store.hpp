#pragma once
// A chunkserver's store: chunk files + pending pushes + the change log for incremental
// reports, shared by the data-port threads (pushes, reads) and the actors (expiry, reports,
// deletes from the master). Thread-safe: the in-memory chunk table behind a reader/writer lock
// held only for table updates and reads, never across a write or an fsync, so finalizes of
// different chunks write in parallel and share directory fsyncs (dir_sync_group). Changes of
// one chunk (write, delete, set aside) are serialised by a per-handle lock stripe, taken
// before the table lock. Pending data and the change log have their own mutexes.
//
// A replica found corrupt by a read is set aside (moved to <data_dir>/corrupt/) and reported
// as removed with the next heartbeat, so the master drops it from the replica set.
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/chunkstore/pending_table.hpp"
#include "proto/chunkserver.hpp"
#include "storage/chunk_files.hpp"
#include "storage/chunk_stream.hpp"
#include "storage/dir_sync_group.hpp"
#include "storage/spare_filler.hpp"

namespace dfs {

class chunk_store {
 public:
  chunk_store(std::string data_dir, chunkstore::pending_limits limits);

  // Loads the chunk files (chunk_files::open) and starts keeping spares stocked: between
  // spares_low and spares_high empty files, so that new chunks go into spares (no directory
  // sync on the write path, chunk_files.hpp).
  static constexpr size_t spares_low = 64;
  static constexpr size_t spares_high = 256;
  io_status open(std::vector<std::string>& warnings);
  uint64_t dir_syncs() const { return dir_sync_.fsyncs(); }  // directory fsyncs so far
  size_t spare_count() const { return files_.spare_count(); }

  // -- pushes: begin, append*, finalize (durable) or cancel -------------------------------------
  // A committed replica is never overwritten: a push to a chunk already here fails with
  // `exists`, unless it carries the very bytes stored (same version, length and CRC32C). That
  // one succeeds without writing, so a client may push again to a replica whose answer it
  // never got (the chain broke after it committed) and count it.
  chunkstore::result<void> begin(chunkstore::data_id id, chunkstore::chunk_handle h,
                                 uint64_t version, uint64_t size_bytes);
  chunkstore::result<void> append(chunkstore::data_id id, std::string_view bytes);
  chunkstore::result<chunkstore::chunk_meta> finalize(chunkstore::data_id id);
  void cancel(chunkstore::data_id id);
  size_t expire(core::time_point now);  // pending pushes without activity for the ttl

  // -- streamed copies (repair: net/replica_copier): a chunk not yet here, written to disk as
  // its bytes arrive (chunk_stream.hpp) rather than gathered in memory. finish_stream makes it
  // durable (file and directory fsynced) and reports it as added with the next heartbeat.
  // Errors: exists (the chunk is here: a copy never overwrites a replica; checked again at
  // finish, under the chunk's lock), invalid_argument, io_error. The stream is spent after
  // finish_stream, whatever the outcome.
  chunkstore::result<chunk_stream> begin_stream(chunkstore::chunk_handle h, uint64_t version,
                                                uint64_t length);
  chunkstore::result<chunkstore::chunk_meta> finish_stream(chunk_stream& s);

  // -- mutation data (issue 13): pushed ahead of a write or record append, held (in memory)
  // until the primary's order applies it here, dropped after the pending ttl otherwise. The
  // chunk must be committed here already; a retried push of the same id replaces the bytes.
  chunkstore::result<void> begin_held(chunkstore::data_id id, chunkstore::chunk_handle h,
                                      uint64_t version, uint64_t size_bytes);
  // The push ended: keep its (complete) bytes under `id`. Errors as pending_table::finish,
  // busy past the pending byte limit.
  chunkstore::result<void> hold(chunkstore::data_id id);
  // The held bytes of `id` (null: none).
  std::shared_ptr<const std::string> held(chunkstore::data_id id);
  void drop_held(chunkstore::data_id id);

  // -- reads ----------------------------------------------------------------------------------
  chunkstore::result<std::string> read(chunkstore::chunk_handle h, uint64_t offset,
                                       uint64_t length);
  // The chunk's file opened read-only for a local reader (chunk_files::open_read).
  chunkstore::result<opened_chunk> open_read(chunkstore::chunk_handle h) const;
  // read() into a buffer reused across reads (chunk_files::read_into): a view into `buf`.
  chunkstore::result<std::string_view> read_into(chunkstore::chunk_handle h, uint64_t offset,
                                                 uint64_t length, std::string& buf);
  std::optional<chunkstore::chunk_meta> stat(chunkstore::chunk_handle h) const;
  std::vector<stored_chunk> list() const;

  // -- master instructions and reports --------------------------------------------------------
  void remove(chunkstore::chunk_handle h);
  // A lease bumped the chunk's version (core/master/lease_table.hpp): the chunk is rewritten
  // durably with `version` in its header and reported as changed with the next heartbeat. A
  // version not above the one held changes nothing. Errors: not_found, corrupt, io_error.
  // (A chunk that has taken writes gets its header rewritten in place; an untouched one is
  // rewritten whole, atomically: grants are rare next to the pushes that made it.)
  chunkstore::result<void> set_version(chunkstore::chunk_handle h, uint64_t version);
  // Copy-on-write (core/master/master_cow.cpp): a new chunk `to` on this disk with the bytes
  // of chunk `from`, verified block by block against its checksums while read (a bad block:
  // errc::corrupt, and `from` is set aside as a read would), at `version` (not below from's),
  // durable (file and directory fsynced) when it returns and reported as added with the next
  // heartbeat. Same length, block CRCs and whole CRC32C; the file format of `from`. Errors:
  // not_found (no `from`), exists (`to` is here: a copy never overwrites a replica),
  // invalid_argument (version below from's, from == to), corrupt, io_error.
  chunkstore::result<chunkstore::chunk_meta> copy_local(chunkstore::chunk_handle from,
                                                        chunkstore::chunk_handle to,
                                                        uint64_t version);
  // -- mutations (GFS writes and record append, issue 13; core/chunkstore/chunk_mutation.hpp) --
  // Writes `bytes` at `offset` of a committed chunk and sets its version, durable (data and
  // checksums fsynced) when it returns. May extend the chunk up to the chunk size limit, never
  // past its end: a hole is refused (out_of_range; pad_to first). Only the touched blocks are
  // read (and verified: a corrupt block is errc::corrupt and the replica is set aside, as a
  // read would) and rewritten; a chunk's first write rewrites it once in the in-place format.
  // Crash safety: chunk_files.hpp. Afterwards stat/list/full_report give the new version and
  // length and stat the CRC32C of the chunk's new bytes (combined from its block CRCs); the
  // chunk is reported as changed with the next heartbeat. Errors: not_found, invalid_argument
  // (empty, past the size limit, version below the chunk's), out_of_range, corrupt, io_error.
  chunkstore::result<chunkstore::chunk_meta> write_at(chunkstore::chunk_handle h, uint64_t offset,
                                                      std::string_view bytes, uint64_t version);
  // Record append's padding: zeros from the chunk's end up to `size_bytes` (the end itself is
  // fine: only the version is set), with write_at's checks and durability; a size below the
  // end is invalid_argument.
  chunkstore::result<chunkstore::chunk_meta> pad_to(chunkstore::chunk_handle h, uint64_t size_bytes,
                                                    uint64_t version);

  std::vector<chunk_report> full_report();  // also clears the change log
  void drain_changes(std::vector<chunk_report>& added, std::vector<uint64_t>& removed);
  void restore_changes(const std::vector<chunk_report>& added,
                       const std::vector<uint64_t>& removed);  // a heartbeat failed
  uint64_t used_bytes() const;
  // {capacity, free} for chunks (offered_space): of the disk holding the chunk directory, which
  // may be another than the data directory's, or of `capacity_bytes` when it is > 0.
  std::pair<uint64_t, uint64_t> offered_space(uint64_t capacity_bytes) const;
  size_t chunk_count() const;
  uint64_t corrupt_replicas() const { return corrupt_; }
  // Client reads per chunk since the last drain (heartbeats report them: hot chunks get more
  // replicas). At most max_read_counters chunks are counted between two drains.
  void note_read(chunkstore::chunk_handle h);
  std::vector<chunk_reads> drain_reads();

 private:
  // Operations on one chunk are serialised by one of these, chosen by handle: enough stripes
  // that pushes to different chunks rarely wait for each other.
  static constexpr size_t handle_mutex_stripes = 64;
  std::mutex& handle_mutex(chunkstore::chunk_handle h) {
    return handle_mu_[h.value % handle_mutex_stripes];
  }
  void set_aside(chunkstore::chunk_handle h);
  // write_at with the chunk's lock held and its current metadata `m`.
  chunkstore::result<chunkstore::chunk_meta> write_locked(const chunkstore::chunk_meta& m,
                                                          uint64_t offset, std::string_view bytes,
                                                          uint64_t version);
  chunkstore::result<chunkstore::chunk_meta> rewrite_mutable(const chunkstore::chunk_meta& m,
                                                             uint64_t offset,
                                                             std::string_view bytes,
                                                             uint64_t version);
  chunkstore::result<void> set_version_locked(const chunkstore::chunk_meta& m, uint64_t version);
  void installed(const chunkstore::chunk_meta& m);  // table update + change log
  // A chunk file just renamed into place: directory fsync (shared, dir_sync_group), then
  // installed(); the chunk counts only once both are done.
  chunkstore::result<void> sync_and_install(const chunkstore::chunk_meta& m);
  void note_added(const chunkstore::chunk_meta& m);
  void note_removed(uint64_t h);

  std::string data_dir_;
  std::array<std::mutex, handle_mutex_stripes> handle_mu_;
  mutable std::shared_mutex files_mu_;
  chunk_files files_;
  dir_sync_group dir_sync_;
  // Stocks files_' spares from open() on; declared after what it uses, so it stops first.
  std::unique_ptr<spare_filler> filler_;
  std::mutex pending_mu_;
  chunkstore::pending_table pending_;
  std::map<uint64_t, std::string> buffers_;  // data id -> bytes received so far
  struct held_data {
    std::shared_ptr<const std::string> bytes;
    core::time_point expires;
  };
  std::map<uint64_t, held_data> held_;  // data id -> a complete push kept for a mutation
  uint64_t held_bytes_ = 0;
  chunkstore::pending_limits limits_;
  std::mutex changes_mu_;
  std::map<uint64_t, chunk_report> added_;
  std::set<uint64_t> removed_;
  std::atomic<uint64_t> corrupt_{0};
  static constexpr size_t max_read_counters = 65536;
  std::mutex reads_mu_;
  std::map<uint64_t, uint64_t> reads_;
};

// Opens the store in <node.data_dir> (logging warnings); exits the process if it cannot.
std::shared_ptr<chunk_store> open_chunk_store(const std::string& data_dir, uint32_t ttl_ms,
                                              uint64_t max_pending_bytes);

}  // namespace dfs
