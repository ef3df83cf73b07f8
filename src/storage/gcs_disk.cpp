#include "storage/gcs_disk.hpp"

#include <algorithm>
#include <cerrno>

#include "common/little_endian.hpp"
#include "common/thread_name.hpp"
#include "core/oplog/frame.hpp"
#include "proto/gcs_log.hpp"

namespace dfs {

namespace {

constexpr const char* image_name = "image";
constexpr const char* record_name = "view";
constexpr const char* log_prefix = "log-";

std::chrono::microseconds steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

// The image and the view record: one oplog frame (type checkpoint) holding the generation
// (8 bytes) and the encoded struct; replaced atomically.
io_status write_tagged(const std::string& path, uint64_t generation, const std::string& encoded) {
  std::string payload;
  append_le(payload, generation, 8);
  payload += encoded;
  auto frame = oplog::encode_frame(oplog::frame_type::checkpoint, payload);
  return write_file_atomic(path, std::string_view(frame.data(), frame.size()));
}

template <class T>
io_status read_tagged(const std::string& path, bool (*decode)(std::string_view, T&), T& out,
                      uint64_t& generation, const std::string& what) {
  std::string bytes;
  if (auto st = read_file(path, bytes); !st) return st;
  auto scanned = oplog::scan(bytes);
  if (scanned.tail != oplog::tail_state::clean || scanned.frames.size() != 1 ||
      scanned.frames[0].type != oplog::frame_type::checkpoint ||
      scanned.frames[0].payload.size() < 8 ||
      !decode(std::string_view(scanned.frames[0].payload).substr(8), out))
    return corrupt_data(path + ": not a readable " + what);
  generation = get_le(scanned.frames[0].payload.data(), 8);
  return {};
}

}  // namespace

gcs_disk::gcs_disk(std::string dir, sync_pacer pacer) : dir_(std::move(dir)), pacer_(pacer) {}

gcs_disk::~gcs_disk() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string gcs_disk::log_path(uint64_t g) const {
  return numbered_path(dir_, log_prefix, g);
}

io_status gcs_disk::recover(gcs_recovery& out) {
  out = gcs_recovery{};
  if (auto st = make_dirs(dir_); !st) return st;
  std::vector<std::string> names;
  if (auto st = list_dir(dir_, names); !st) return st;
  const std::string image_path = dir_ + "/" + image_name;
  bool have_image = false;
  for (const auto& n : names) have_image = have_image || n == image_name;
  if (have_image) {
    if (auto st = read_tagged(image_path, proto::decode_gcs_image, out.image, generation_,
                              "GCS image (refusing to start empty)");
        !st)
      return st;
    out.has_image = true;
  }
  gcs::view_record record;
  bool have_record = false;
  if (std::find(names.begin(), names.end(), record_name) != names.end()) {
    uint64_t g = 0;
    if (auto st = read_tagged(dir_ + "/" + record_name, proto::decode_gcs_record, record, g,
                              "GCS view record (refusing to start)");
        !st)
      return st;
    // Written after the image it names; a newer image holds everything it says.
    have_record = out.has_image && g == generation_;
  }
  // Leftovers of a crash: a *.tmp of an interrupted atomic write, and logs of other generations
  // (an image switch the crash interrupted).
  for (const auto& n : names) {
    bool tmp = is_tmp_name(n);
    bool stray_log = !tmp && n.rfind(log_prefix, 0) == 0 && dir_ + "/" + n != log_path(generation_);
    if (!tmp && !stray_log) continue;
    remove_file(dir_ + "/" + n);
    if (stray_log)
      out.warnings.push_back("removed " + n + " (not of image generation " +
                             std::to_string(generation_) + ")");
  }
  const std::string path = log_path(generation_);
  std::string bytes;
  uint64_t size = 0;
  if (file_size(path, size).ok() && size > 0) {
    if (auto st = read_file(path, bytes); !st) return st;
    auto scanned = oplog::scan(bytes);
    std::vector<gcs::log_entry> entries;
    for (const auto& f : scanned.frames) {
      gcs::log_entry e;
      if (f.type != oplog::frame_type::record || !proto::decode_gcs_entry(f.payload, e))
        return corrupt_data(path + ": a log frame with a valid CRC does not decode");
      entries.push_back(std::move(e));
    }
    if (scanned.tail != oplog::tail_state::clean) {
      out.warnings.push_back(path + ": " + scanned.warning);
      if (auto st = truncate_file(path, scanned.valid_prefix_bytes); !st) return st;
    }
    if (out.has_image) out.image = gcs::recovered_image(std::move(out.image), entries);
  }
  if (have_record) gcs::apply_view_record(out.image, record);
  return log_.open(path);
}

io_status probe_gcs_room(const std::string& dir, uint64_t margin) {
  if (auto st = make_dirs(dir); !st) return st;
  uint64_t image = 0;
  file_size(dir + "/" + image_name, image);  // none yet: 0
  // A *.tmp name, so that recover() removes what a crash during the probe leaves.
  const std::string probe = dir + "/space-probe.tmp";
  auto st = write_file_atomic(probe, std::string(image + margin, '\0'));
  remove_file(probe);
  remove_file(tmp_path_of(probe));
  return st;
}

void gcs_disk::start(synced_fn on_synced, failed_fn on_failed) {
  on_synced_ = std::move(on_synced);
  on_failed_ = std::move(on_failed);
  thread_ = named_thread("gcs-disk", [this] { run(); });
}

io_status gcs_disk::write_image(const gcs::durable_image& image) {
  job j;
  j.image = &image;
  return wait_for(std::move(j));
}

io_status gcs_disk::write_record(const gcs::view_record& record) {
  job j;
  j.record = &record;
  return wait_for(std::move(j));
}

// Through the writer's queue: it orders after every earlier append and knows the generation.
io_status gcs_disk::wait_for(job j) {
  io_status result;
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    j.waited = true;
    j.result = &result;
    j.done = &done;
    jobs_.push_back(std::move(j));
  }
  cv_.notify_all();
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return done; });
  return result;
}

void gcs_disk::append(uint64_t generation, std::vector<gcs::log_entry> entries) {
  if (entries.empty()) return;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    first = jobs_.empty();
    job j;
    j.generation = generation;
    j.entries = std::move(entries);
    jobs_.push_back(std::move(j));
  }
  // With jobs already queued the writer is busy, or waits on purpose (pacer, spare disk): a
  // wake-up would only put it back to sleep, at a context switch per append.
  if (first) cv_.notify_all();
}

void gcs_disk::set_spare_wait(std::chrono::microseconds wait) {
  int64_t before = spare_wait_us_.exchange(wait.count());
  if (wait.count() != 0 || before == 0) return;
  // No longer spare: a batch waiting as spare goes now. Through the mutex: the writer cannot be
  // between its check of the wait and its sleep.
  { std::lock_guard<std::mutex> lock(mu_); }
  cv_.notify_all();
}

// New log first, then the image naming it: a crash in between leaves the old image and its log
// (the new, empty log is removed at recovery); after the rename the old log is garbage.
io_status gcs_disk::do_image(const gcs::durable_image& image) {
  uint64_t next = generation_ + 1;
  append_file fresh;
  if (auto st = fresh.open(log_path(next)); !st) return st;
  if (auto st = write_tagged(dir_ + "/" + image_name, next, proto::encode_gcs_image(image)); !st)
    return st;
  log_.close();
  remove_file(log_path(generation_));
  log_ = std::move(fresh);
  generation_ = next;
  ++images_;
  return {};
}

io_status gcs_disk::do_record(const gcs::view_record& record) {
  auto st = write_tagged(dir_ + "/" + record_name, generation_, proto::encode_gcs_record(record));
  if (st) ++records_;
  return st;
}

void gcs_disk::run() {
  std::unique_lock<std::mutex> lock(mu_);
  size_t last_entries = 0;
  while (true) {
    bool loaded = !jobs_.empty() && last_entries > 1;  // queued while the last fsync ran
    cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop_ and nothing left
    // The pause ends early for an image (the actor is blocked on it) or a stop, also one that
    // comes during it.
    auto urgent = [&] {
      return stop_ || std::any_of(jobs_.begin(), jobs_.end(), [](auto& j) { return j.waited; });
    };
    if (int64_t spare = spare_wait_us_.load(); spare > 0 && !urgent()) {
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spare);
      cv_.wait_until(lock, until, [&] { return urgent() || spare_wait_us_.load() == 0; });
    } else if (loaded) {
      auto now = steady_us();
      if (auto next = pacer_.next_start(now); next > now)
        cv_.wait_until(lock, std::chrono::steady_clock::time_point(next), urgent);
    }
    last_entries = 0;
    for (const auto& j : jobs_) last_entries += j.entries.size();
    std::deque<job> batch;
    batch.swap(jobs_);
    lock.unlock();
    // One write per run of appends, one fdatasync for the batch (group commit).
    std::vector<char> buf;
    auto write_start = steady_us();  // encoding, write and fdatasync of the appends
    bool appended = false;
    uint64_t tag = 0, upto = 0;
    io_status st;
    auto flush_appends = [&] {
      if (buf.empty() || !st) return;
      st = log_.append(std::string_view(buf.data(), buf.size()));
      buf.clear();
      appended = true;
    };
    for (auto& j : batch) {
      if (!j.waited) {
        for (const auto& e : j.entries)
          oplog::append_frame(buf, oplog::frame_type::record, proto::encode_gcs_entry(e));
        if (!j.entries.empty()) {
          tag = j.generation;
          upto = j.entries.back().seq;
        }
        continue;
      }
      io_status r{EIO, "gcs disk failed before"};
      if (j.record && st && !failed_) {
        r = do_record(*j.record);  // a file of its own: the appends around it go on as one batch
      } else if (st && !failed_) {
        flush_appends();
        // Appends queued before the image are in it (the member wrote it from what it holds).
        appended = false;
        r = do_image(*j.image);
      }
      if (!r) st = r;
      write_start = steady_us();  // sync_us and the pacer time the log's appends, not images
      std::lock_guard<std::mutex> g(mu_);
      *j.result = r;
      *j.done = true;
      done_cv_.notify_all();
    }
    flush_appends();
    if (appended && st && !failed_) {
      st = log_.sync();
      ++syncs_;
      auto took = steady_us() - write_start;
      sync_us_ += static_cast<uint64_t>(took.count());
      pacer_.on_sync(write_start, took);
      stalls_ = pacer_.stalls();
    }
    if (!st && !failed_) {
      failed_ = true;
      if (on_failed_) on_failed_(st.message);
    } else if (appended && !failed_ && on_synced_) {
      on_synced_(tag, upto);
    }
    lock.lock();
  }
}

}  // namespace dfs
