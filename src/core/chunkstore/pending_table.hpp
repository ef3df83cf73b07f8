#pragma once
// Pushed-but-not-finalized chunk data, keyed by data id (design §7: "pending, then finalize,
// cleanup after timeout"). This table keeps only the bookkeeping; the owning actor keeps the
// bytes (a buffer or a temp file per id) and drops them when an id leaves the table.
//
//   start(id, handle, version, size) --add_bytes...--> complete --finish(id)--> made durable
//          |                                              |
//          +------ no activity for ttl: on_tick(now) returns id (expired) ----+
//
// Limits: at most max_entries ids and max_total_bytes declared bytes at once (busy otherwise),
// so a flood of pushes cannot exhaust memory or disk.
#include <cstdint>
#include <map>
#include <vector>

#include "core/chunkstore/chunk_meta.hpp"
#include "core/chunkstore/error.hpp"
#include "core/time.hpp"

namespace dfs::chunkstore {

// Chosen by the client for one push of one chunk; unique per client run (e.g. random 64 bits).
struct data_id {
  uint64_t value = 0;

  friend bool operator==(data_id a, data_id b) { return a.value == b.value; }
  friend bool operator<(data_id a, data_id b) { return a.value < b.value; }
};

struct pending_entry {
  data_id id;
  chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t declared_bytes = 0;  // the whole chunk, announced by the first frame
  uint64_t received_bytes = 0;
  core::time_point expires_at;

  bool complete() const { return received_bytes == declared_bytes; }
};

struct pending_limits {
  core::duration ttl = std::chrono::minutes(10);  // chunkserver.pending_timeout
  uint64_t max_total_bytes = 4ull << 30;
  size_t max_entries = 4096;
};

class pending_table {
 public:
  explicit pending_table(pending_limits limits = {});

  // Errors: invalid_argument (id already pending, size over limits::max_chunk_size_bytes), busy
  // (limits).
  result<void> start(data_id id, chunk_handle handle, uint64_t chunk_version,
                     uint64_t declared_bytes, core::time_point now);
  // Counts `n` more bytes and restarts the expiry clock. Errors: not_found (unknown or
  // expired id), invalid_argument (more than declared).
  result<void> add_bytes(data_id id, uint64_t n, core::time_point now);
  // Removes a complete entry for finalizing. Errors: not_found, invalid_argument (incomplete).
  result<pending_entry> finish(data_id id);
  bool cancel(data_id id);  // true if it was pending
  // Removes and returns ids with no activity for `ttl`; the actor deletes their bytes.
  [[nodiscard]] std::vector<data_id> on_tick(core::time_point now);

  const pending_entry* find(data_id id) const;
  size_t size() const { return entries_.size(); }
  uint64_t total_declared_bytes() const { return total_bytes_; }

 private:
  pending_limits limits_;
  std::map<data_id, pending_entry> entries_;
  uint64_t total_bytes_ = 0;
};

}  // namespace dfs::chunkstore
