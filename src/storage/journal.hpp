#pragma once
// The master's durable metadata store: checkpoint files + operation-log segments in one
// directory. A plain class (no actor): the master actor owns one and calls it from its thread.
//
// Files (N = 20-digit sequence number):
//   checkpoint-N   one oplog frame (type checkpoint) holding master_snapshot: the state after
//                  every record in segments < N. Written atomically (tmp + fsync + rename).
//   log-N          oplog frames (type record), one per master::log_record, appended after
//                  checkpoint-N (or from the empty state if there is no checkpoint).
//
// Use:
//   journal j{dir};
//   recovery rec; if (!j.recover(rec)) fatal(...); log rec.warnings;
//   auto st = rebuild_state(rec, opts, now);     // checkpoint + replay through master_state
//   ... per batch of applied records: j.append(batch) -> one write, one fdatasync, then reply
//   ... now and then (segment_bytes() over a limit, or a timer):
//       j.checkpoint_in_background(st.snapshot(), done)   // the master goes on meanwhile
//
// After a failed append or sync the journal refuses further appends: what reached the disk is
// unknown (a failed fsync may have dropped pages), so the master must stop and recover.
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/master/master_state.hpp"
#include "core/master/records.hpp"
#include "storage/durable_file.hpp"

namespace dfs {

struct journal_recovery {
  bool has_checkpoint = false;
  uint64_t checkpoint_sequence = 0;
  master::master_snapshot snapshot;         // empty state without a checkpoint
  std::vector<master::log_record> records;  // after the checkpoint, in log order
  std::vector<std::string> warnings;        // torn/corrupt tails truncated, files set aside
};

class journal {
 public:
  explicit journal(std::string dir);
  ~journal();  // waits for a checkpoint being written
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  // Reads the newest valid checkpoint and the segments after it, truncates a torn or corrupt
  // tail (warning), and opens the last segment for appends. Call once, before anything else.
  // Fails on I/O errors and when checkpoints exist but none is readable (refusing to start
  // from an empty namespace is safer than losing it silently).
  io_status recover(journal_recovery& out);

  // Appends all records with one write and one fdatasync (group commit). Only after it returns
  // ok are the records durable and may their clients be answered.
  io_status append(const std::vector<master::log_record>& records);

  // Starts segment N+1 now, then encodes and writes checkpoint N+1 (`snapshot` must reflect
  // every record appended so far) on a thread of its own, and deletes older checkpoints and
  // segments once it is durable; `done` gets the outcome on that thread. Appends go to segment
  // N+1 meanwhile: until checkpoint N+1 exists, recovery reads checkpoint N (or none) and
  // segments N and N+1, the same state. Encoding and writing a million files' namespace took
  // ~1.6 s plus the write of 82 MB, which the master's actor no longer waits for. One at a
  // time: a call waits for the previous checkpoint's thread. An error means segment N+1 could
  // not be started (the journal then refuses appends, as after a failed append).
  // `before_write` (tests) runs on the thread before the checkpoint file is written.
  io_status checkpoint_in_background(master::master_snapshot snapshot,
                                     std::function<void(io_status)> done,
                                     std::function<void()> before_write = {});
  // Waits until the checkpoint being written (if any) is written or has failed.
  void wait_for_checkpoint();
  // checkpoint_in_background, then waits for it; its outcome.
  io_status checkpoint(const master::master_snapshot& snapshot);

  uint64_t sequence() const { return sequence_; }
  uint64_t segment_bytes() const { return segment_bytes_; }  // log bytes since the checkpoint
  const std::string& dir() const { return dir_; }

 private:
  io_status load_checkpoint(const std::vector<std::string>& names, journal_recovery& out);
  io_status replay_segments(const std::vector<uint64_t>& segments, journal_recovery& out);
  io_status open_segment(uint64_t seq);
  static void delete_older_than(const std::string& dir, uint64_t seq);
  std::string path_of(const char* prefix, uint64_t seq) const;

  std::string dir_;
  append_file active_;
  uint64_t sequence_ = 0;
  uint64_t segment_bytes_ = 0;
  bool failed_ = false;
  bool recovered_ = false;
  std::thread checkpointer_;  // touches no member: its dir, sequence and snapshot are copies
};

// Checkpoint + replay: the state the master had when it stopped. Errors with corrupt_state if
// a record does not apply (a damaged log that still passed its CRC, or a bug).
master::result<master::master_state> rebuild_state(const journal_recovery& rec,
                                                   master::master_options opts,
                                                   core::time_point now);

}  // namespace dfs
