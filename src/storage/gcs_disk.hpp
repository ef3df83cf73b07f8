#pragma once
// A durable fileserver's GCS state on disk (core/gcs/durable_image.hpp) and the thread that
// group-commits its log. The sequencer actor owns one.
//
// Files in `dir` (G = 20-digit generation):
//   image      one oplog frame (type checkpoint): G, then the encoded durable_image. Replaced
//              atomically (tmp + fsync + rename + directory fsync).
//   log-G      oplog frames (type record), one encoded log_entry each, appended after the image
//              of generation G. A torn or corrupt tail (crash during a write) is cut off.
//   view       one oplog frame (type checkpoint): G, then the encoded view_record written after
//              the image of generation G (replaced atomically like it). A record of another
//              generation is older than the image and ignored.
//
// Appends are queued and written by one thread: it takes everything queued, writes it with one
// write, fdatasyncs once, and reports the last seq synced (group commit: one fsync covers every
// operation delivered meanwhile). Under continuous load (entries were already waiting when the
// last fsync ended, and it covered more than one) on a disk that has stalled lately, the next
// batch starts no earlier than `sync_interval` after the last one (storage/sync_pacer.hpp): each
// fsync then covers more operations. A lone operation, one after an idle moment, and an image
// (the actor waits for it, also when it comes during a pause) are synced at once.
// A spare disk (gcs::member::disk_spare: no majority needs it) waits `spare` after a batch's
// first append before writing and syncing it, so one fsync covers every append of that time.
// write_image() and write_record() go through the same queue, so they order after every earlier
// append, and return only once durable.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/gcs/durable_image.hpp"
#include "storage/durable_file.hpp"
#include "storage/sync_pacer.hpp"

namespace dfs {

struct gcs_recovery {
  bool has_image = false;
  gcs::durable_image image;           // with the synced log entries that continue it
  std::vector<std::string> warnings;  // torn tails cut, stray files removed
};

// Before a durable fileserver joins anything: writes and syncs, then removes, a file as large as
// the image in `dir` plus `margin` (creating `dir` 0700 if missing). On a disk without that room
// the member would fail its first image in the middle of a view change, after the group counted
// on it: every restart under systemd stalled the queues for a view timeout (0.6 s).
io_status probe_gcs_room(const std::string& dir, uint64_t margin);

class gcs_disk {
 public:
  // Called on the writer thread: (the caller's generation tag, last seq synced).
  using synced_fn = std::function<void(uint64_t generation, uint64_t upto)>;
  // Called on the writer thread once: a write or fsync failed; nothing more is written.
  using failed_fn = std::function<void(const std::string& why)>;

  // The pacer's times are std::chrono::steady_clock's since its epoch.
  explicit gcs_disk(std::string dir, sync_pacer pacer = sync_pacer(sync_pacer::us(0)));
  ~gcs_disk();
  gcs_disk(const gcs_disk&) = delete;
  gcs_disk& operator=(const gcs_disk&) = delete;

  // Reads image and log (creating `dir` 0700 if missing). Errors on I/O failures and on an
  // image that does not decode: starting empty would lose acknowledged operations.
  io_status recover(gcs_recovery& out);
  void start(synced_fn on_synced, failed_fn on_failed);

  // Blocks until the image is durable (after every earlier append); starts a new log.
  io_status write_image(const gcs::durable_image& image);
  // Blocks until the record is durable, beside the current image (durable_image.hpp).
  io_status write_record(const gcs::view_record& record);
  // Queues entries tagged `generation`; on_synced reports them once on disk.
  void append(uint64_t generation, std::vector<gcs::log_entry> entries);
  // How long a batch of appends waits before its write and fsync: 0 (at once, as the pacer
  // allows) unless the member's disk is spare. A batch already waiting goes at once on 0.
  void set_spare_wait(std::chrono::microseconds wait);

  uint64_t images_written() const { return images_; }
  uint64_t records_written() const { return records_; }
  uint64_t syncs() const { return syncs_; }
  // Microseconds spent encoding, writing and fdatasyncing the log's appends, summed over
  // syncs(): the disk's share of an operation's latency (the benchmark divides it by syncs()).
  uint64_t sync_us() const { return sync_us_; }
  // Syncs slow enough to count as the disk stalling (3 within a second turn pacing on).
  uint64_t stalls() const { return stalls_; }

 private:
  struct job {
    bool waited = false;  // an image or a record: the actor waits for it
    uint64_t generation = 0;
    std::vector<gcs::log_entry> entries;
    const gcs::durable_image* image = nullptr;
    const gcs::view_record* record = nullptr;  // set: the job is this record, else `image`
    io_status* result = nullptr;
    bool* done = nullptr;
  };
  void run();
  io_status do_image(const gcs::durable_image& image);
  io_status do_record(const gcs::view_record& record);
  io_status wait_for(job j);  // queues a blocking job (image or record) and waits for it
  std::string log_path(uint64_t g) const;

  std::string dir_;
  sync_pacer pacer_;         // the writer thread's
  uint64_t generation_ = 0;  // of the files, not the caller's tag
  append_file log_;
  synced_fn on_synced_;
  failed_fn on_failed_;
  bool failed_ = false;
  std::atomic<int64_t> spare_wait_us_{0};
  std::atomic<uint64_t> images_{0}, records_{0}, syncs_{0}, sync_us_{0}, stalls_{0};

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<job> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dfs
