#include "storage/journal.hpp"

#include <cerrno>
#include <optional>

#include "core/oplog/frame.hpp"
#include "proto/master_log.hpp"

namespace dfs {

namespace {

constexpr const char* checkpoint_prefix = "checkpoint-";
constexpr const char* segment_prefix = "log-";
constexpr size_t seq_digits = 20;

// "log-00000000000000000007" -> 7 for the given prefix; nullopt for any other name.
std::optional<uint64_t> parse_seq(const std::string& name, const std::string& prefix) {
  if (name.size() != prefix.size() + seq_digits || name.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  uint64_t seq = 0;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return seq;
}

std::vector<uint64_t> seqs_with(const std::vector<std::string>& names, const char* prefix) {
  std::vector<uint64_t> out;
  for (const auto& n : names)
    if (auto s = parse_seq(n, prefix)) out.push_back(*s);
  return out;  // sorted, because names are sorted and zero-padded
}

}  // namespace

journal::journal(std::string dir) : dir_(std::move(dir)) {}

journal::~journal() {
  wait_for_checkpoint();
}

void journal::wait_for_checkpoint() {
  if (checkpointer_.joinable()) checkpointer_.join();
}

std::string journal::path_of(const char* prefix, uint64_t seq) const {
  return numbered_path(dir_, prefix, seq);
}

io_status journal::recover(journal_recovery& out) {
  out = journal_recovery{};
  if (auto st = make_dirs(dir_); !st) return st;
  std::vector<std::string> names;
  if (auto st = list_dir(dir_, names); !st) return st;
  for (const auto& n : names)  // leftovers of an interrupted atomic write
    if (is_tmp_name(n)) remove_file(dir_ + "/" + n);
  if (auto st = load_checkpoint(names, out); !st) return st;
  std::vector<uint64_t> segments;
  for (auto s : seqs_with(names, segment_prefix))
    if (s >= out.checkpoint_sequence) segments.push_back(s);
  if (auto st = replay_segments(segments, out); !st) return st;
  uint64_t active =
      segments.empty() ? std::max<uint64_t>(out.checkpoint_sequence, 1) : segments.back();
  if (auto st = open_segment(active); !st) return st;
  delete_older_than(dir_, out.checkpoint_sequence);
  recovered_ = true;
  return {};
}

// Newest checkpoint that reads, frames and decodes cleanly; older ones are the fallback.
io_status journal::load_checkpoint(const std::vector<std::string>& names, journal_recovery& out) {
  auto seqs = seqs_with(names, checkpoint_prefix);
  for (auto it = seqs.rbegin(); it != seqs.rend(); ++it) {
    auto path = path_of(checkpoint_prefix, *it);
    std::string bytes;
    if (auto st = read_file(path, bytes); !st) return st;
    auto scanned = oplog::scan(bytes);
    std::string why;
    if (scanned.tail != oplog::tail_state::clean || scanned.frames.size() != 1 ||
        scanned.frames[0].type != oplog::frame_type::checkpoint) {
      why = scanned.warning.empty() ? "not exactly one checkpoint frame" : scanned.warning;
    } else if (auto snap = proto::decode_snapshot(scanned.frames[0].payload); !snap) {
      why = snap.err().message;
    } else {
      out.has_checkpoint = true;
      out.checkpoint_sequence = *it;
      out.snapshot = std::move(*snap);
      return {};
    }
    out.warnings.push_back("checkpoint " + path + " unusable (" + why + "), trying an older one");
  }
  if (!seqs.empty()) return corrupt_data("no usable checkpoint in " + dir_ + " (see warnings)");
  return {};
}

// Decodes segments in order. At the first bad frame the segment is truncated there and later
// segments are set aside (renamed *.discarded): records after a hole cannot be applied.
io_status journal::replay_segments(const std::vector<uint64_t>& segments, journal_recovery& out) {
  segment_bytes_ = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    auto path = path_of(segment_prefix, segments[i]);
    std::string bytes;
    if (auto st = read_file(path, bytes); !st) return st;
    auto scanned = oplog::scan(bytes);
    uint64_t good = scanned.valid_prefix_bytes;
    std::string warning = scanned.warning;
    for (auto& f : scanned.frames) {
      auto rec = f.type == oplog::frame_type::record
                     ? proto::decode_record(f.payload)
                     : master::result<master::log_record>(master::make_error(
                           master::errc::corrupt_state, "checkpoint frame in a log segment"));
      if (!rec) {
        good = f.offset;
        warning =
            "undecodable record at offset " + std::to_string(f.offset) + ": " + rec.err().message;
        break;
      }
      out.records.push_back(std::move(*rec));
    }
    segment_bytes_ += good;
    if (good == bytes.size()) continue;
    out.warnings.push_back(path + ": " + warning + "; truncated to " + std::to_string(good) +
                           " bytes");
    if (auto st = truncate_file(path, good); !st) return st;
    // Zeros after the last frame hide nothing (a preallocated rest whose cut a power cut
    // undid): the records of later segments still follow on.
    if (scanned.zero_tail && good == scanned.valid_prefix_bytes) continue;
    for (size_t j = i + 1; j < segments.size(); ++j) {
      auto later = path_of(segment_prefix, segments[j]);
      if (auto st = rename_file(later, later + ".discarded"); !st) return st;
      out.warnings.push_back(later + " follows a damaged segment: set aside as .discarded");
    }
    break;
  }
  return {};
}

io_status journal::open_segment(uint64_t seq) {
  append_file f;
  if (auto st = f.open(path_of(segment_prefix, seq)); !st) return st;
  if (auto st = fsync_dir(dir_); !st) return st;  // the new name must survive a crash too
  active_ = std::move(f);
  sequence_ = seq;
  return {};
}

void journal::delete_older_than(const std::string& dir, uint64_t seq) {
  std::vector<std::string> names;
  if (!list_dir(dir, names)) return;
  for (const auto& n : names) {
    auto c = parse_seq(n, checkpoint_prefix);
    auto s = parse_seq(n, segment_prefix);
    // Best effort: a leftover old file is ignored by the next recovery anyway.
    if ((c && *c < seq) || (s && *s < seq)) remove_file(dir + "/" + n);
  }
}

io_status journal::append(const std::vector<master::log_record>& records) {
  if (!recovered_ || failed_)
    return io_status{EIO, "journal " + dir_ + " not usable (not recovered or failed before)"};
  if (records.empty()) return {};
  std::vector<char> buf;
  for (const auto& r : records)
    oplog::append_frame(buf, oplog::frame_type::record, proto::encode_record(r));
  uint64_t before = active_.size();
  auto st = active_.append(std::string_view(buf.data(), buf.size()));
  if (st) st = active_.sync();
  if (!st) {
    // A failed write is cut off by append; cut one whose fdatasync failed too, so that a reload
    // (master_actor: reload_after_journal_failure) does not read back records never acknowledged.
    if (active_.size() > before) (void)active_.truncate(before);
    failed_ = true;
    return st;
  }
  segment_bytes_ += buf.size();
  return {};
}

io_status journal::checkpoint_in_background(master::master_snapshot snapshot,
                                            std::function<void(io_status)> done,
                                            std::function<void()> before_write) {
  wait_for_checkpoint();
  if (!recovered_ || failed_)
    return io_status{EIO, "journal " + dir_ + " not usable (not recovered or failed before)"};
  auto next = sequence_ + 1;
  // The closed segment ends on its last frame before anything goes into the next one
  // (append_file::close).
  if (auto st = open_segment(next); !st) {
    failed_ = true;
    return st;
  }
  segment_bytes_ = 0;
  checkpointer_ = std::thread([dir = dir_, path = path_of(checkpoint_prefix, next), next,
                               snapshot = std::move(snapshot), done = std::move(done),
                               before_write = std::move(before_write)]() mutable {
    if (before_write) before_write();
    auto frame =
        oplog::encode_frame(oplog::frame_type::checkpoint, proto::encode_snapshot(snapshot));
    snapshot = {};  // its memory back before the write
    auto st = write_file_atomic(path, std::string_view(frame.data(), frame.size()));
    if (st) delete_older_than(dir, next);
    if (done) done(st);
  });
  return {};
}

io_status journal::checkpoint(const master::master_snapshot& snapshot) {
  io_status outcome;
  if (auto st = checkpoint_in_background(snapshot, [&](io_status s) { outcome = std::move(s); });
      !st)
    return st;
  wait_for_checkpoint();
  return outcome;
}

master::result<master::master_state> rebuild_state(const journal_recovery& rec,
                                                   master::master_options opts,
                                                   core::time_point now) {
  return master::master_state::replay(rec.snapshot, rec.records, opts, now);
}

}  // namespace dfs
