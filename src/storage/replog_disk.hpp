#pragma once
// A master's replicated-log state on disk (core/replog/durable_state.hpp): what replog::node's
// effects say must be durable, and what is handed back to the node at restart. A plain class
// (no actor, no thread): the owning actor calls it synchronously, from one thread, in the
// order of the effects contract (core/replog/README.md): hard, snapshot, then log.
//
// Files in `dir` (created 0700; every frame is an oplog frame: length + CRC32C):
//   hard      one frame (checkpoint): the encoded hard_state. Replaced atomically
//             (tmp + fsync + rename + directory fsync).
//   snapshot  one frame (checkpoint): 8-byte little-endian data length, then the encoded
//             snapshot_meta; then the data in frames (record) of at most 64 MiB. Replaced
//             atomically. The length catches a file that ends cleanly on a frame boundary.
//   log       one frame (record) per entry, appended; contiguous indexes.
//   creating  present only while create() runs: a crash in between leaves it, and the next
//             recover() throws the half-made disk away (the node never ran on it).
//
// Log and snapshot:
// - snapshot with discard_log: the snapshot is replaced, then the log is emptied (ftruncate +
//   fdatasync). A crash in between leaves the new snapshot with the old log, whose entry at the
//   snapshot index has another term (that is why it was discarded): recovery recognises that
//   and drops the whole log (warning). The owner drops its queued log writes itself.
// - snapshot without discard_log: entries <= its index stay in the file and are skipped at
//   recovery, until they are at least `compact_min_bytes` and at least as large as the rest:
//   then the rest is rewritten into a new log (tmp + fsync + rename + directory fsync). So the
//   file holds at most about twice the entries after the snapshot plus compact_min_bytes.
//   (If the snapshot covers the whole log, the log is simply emptied.)
// - append: truncate_from cuts the file at the entry's offset (an in-memory offset table), then
//   all entries go out in one write, made durable by one fdatasync.
//
// After a failed write or sync every later write is refused: what reached the disk is unknown,
// so the owner must stop and recover.
//
// Recovery refuses to start (error) rather than lose acknowledged data: a `hard` or `snapshot`
// that does not decode, `hard` missing while other files exist, a `snapshot` missing while
// `hard` exists, a log frame that passes its CRC but does not decode, a gap between entries or
// between the snapshot and the log. A torn or CRC-failing tail of `log` (a crash during an
// append, which was never acknowledged) is cut off with a warning.
#include <cstdint>
#include <string>
#include <vector>

#include "core/replog/durable_state.hpp"
#include "core/replog/node.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

struct replog_recovery {
  bool exists = false;  // false: the directory held no replog state (a new disk: call create())
  // hard, snapshot meta + data, synced log entries > snapshot index (contiguous, continuing it).
  replog::durable_state state;
  std::vector<std::string> warnings;  // torn/corrupt log tail cut off, stale log dropped, ...
};

class replog_disk {
 public:
  static constexpr uint64_t default_compact_min_bytes = 1 << 20;
  static constexpr uint64_t snapshot_chunk_bytes = 64 << 20;  // data bytes per snapshot frame

  explicit replog_disk(std::string dir, uint64_t compact_min_bytes = default_compact_min_bytes);
  replog_disk(const replog_disk&) = delete;
  replog_disk& operator=(const replog_disk&) = delete;

  // Call once, first. Creates `dir` if missing; reads hard, snapshot and log; cuts a torn log
  // tail; opens the log for appends when the disk exists.
  io_status recover(replog_recovery& out);
  // Only on a new disk (recover() said !exists), BEFORE the node runs: writes hard, snapshot
  // and the log entries after the snapshot (if any), all synced. replog::fresh_disk() makes it.
  io_status create(const replog::durable_state& fresh);

  io_status write_hard(const replog::hard_state& h);          // replaced + synced
  io_status write_snapshot(const replog::snapshot_write& s);  // replaced + synced (see above)
  // Drops entries >= w.truncate_from (if not 0), then appends w.entries: one write, one
  // fdatasync. The entries must continue the log (EINVAL otherwise, nothing written); the
  // owner calls node::on_persisted(w.id) once this returned ok.
  io_status append(const replog::log_write& w);

  uint64_t log_bytes() const { return log_.size(); }
  uint64_t syncs() const { return syncs_; }  // fsync + fdatasync calls, directories too
  uint64_t last_index() const;               // of the log, or the snapshot's when the log is empty
  bool failed() const { return state_ == state::failed; }
  const std::string& dir() const { return dir_; }

 private:
  enum class state : uint8_t { unrecovered, empty, ready, failed };

  io_status read_hard(replog_recovery& out);
  io_status read_snapshot(replog_recovery& out);
  io_status read_log(replog_recovery& out);
  io_status writable(const char* what) const;
  io_status fail(io_status st);
  io_status empty_log();
  io_status compact_log(uint64_t snapshot_index);
  std::string path_of(const char* name) const;

  std::string dir_;
  uint64_t compact_min_bytes_;
  state state_ = state::unrecovered;
  append_file log_;
  uint64_t snapshot_index_ = 0;
  uint64_t first_index_ = 0;  // of the first entry in the log file (when offsets_ is not empty)
  std::vector<uint64_t> offsets_;  // offsets_[i]: byte offset of entry first_index_ + i's frame
  uint64_t syncs_ = 0;
};

}  // namespace dfs
