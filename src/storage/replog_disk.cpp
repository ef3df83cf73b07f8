#include "storage/replog_disk.hpp"

#include <algorithm>
#include <cerrno>
#include <optional>

#include "common/little_endian.hpp"
#include "core/oplog/frame.hpp"
#include "proto/replog.hpp"

namespace dfs {

namespace {

constexpr const char* hard_name = "hard";
constexpr const char* snapshot_name = "snapshot";
constexpr const char* log_name = "log";
constexpr const char* creating_name = "creating";

io_status invalid(const std::string& what) {
  return io_status{EINVAL, what};
}

std::string_view view(const std::vector<char>& buf) {
  return {buf.data(), buf.size()};
}

std::vector<char> hard_file(const replog::hard_state& h) {
  return oplog::encode_frame(oplog::frame_type::checkpoint, proto::encode_replog_hard_state(h));
}

// Header frame (data length + meta), then the data in frames of at most snapshot_chunk_bytes.
std::vector<char> snapshot_file(const replog::snapshot_meta& meta, std::string_view data) {
  std::string header;
  append_le(header, data.size(), 8);
  header += proto::encode_replog_snapshot_meta(meta);
  std::vector<char> out;
  out.reserve(header.size() + data.size() + oplog::frame_header_bytes * 2);
  oplog::append_frame(out, oplog::frame_type::checkpoint, header);
  for (size_t pos = 0; pos < data.size(); pos += replog_disk::snapshot_chunk_bytes)
    oplog::append_frame(out, oplog::frame_type::record,
                        data.substr(pos, replog_disk::snapshot_chunk_bytes));
  return out;
}

bool is_tmp(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
}

}  // namespace

replog_disk::replog_disk(std::string dir, uint64_t compact_min_bytes)
    : dir_(std::move(dir)), compact_min_bytes_(compact_min_bytes) {}

std::string replog_disk::path_of(const char* name) const {
  return dir_ + "/" + name;
}

uint64_t replog_disk::last_index() const {
  return offsets_.empty() ? snapshot_index_ : first_index_ + offsets_.size() - 1;
}

io_status replog_disk::writable(const char* what) const {
  switch (state_) {
    case state::ready:
      return {};
    case state::failed:
      return io_status{EIO, std::string(what) + ": replog disk " + dir_ +
                                " failed before (what reached the disk is unknown)"};
    case state::unrecovered:
    case state::empty:
      break;
  }
  return invalid(std::string(what) + ": replog disk " + dir_ + " not recovered or not created");
}

io_status replog_disk::fail(io_status st) {
  state_ = state::failed;
  return st;
}

// -- recovery ------------------------------------------------------------------------------------

io_status replog_disk::recover(replog_recovery& out) {
  out = replog_recovery{};
  if (state_ != state::unrecovered) return invalid("replog disk " + dir_ + ": recovered twice");
  if (auto st = make_dirs(dir_); !st) return st;
  std::vector<std::string> names;
  if (auto st = list_dir(dir_, names); !st) return st;
  auto has = [&](const char* n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  for (const auto& n : names)
    if (is_tmp(n)) remove_file(dir_ + "/" + n);  // an interrupted atomic replace: the old stays
  if (has(creating_name)) {
    // An interrupted create(): the node never ran on this disk, so nothing was acknowledged.
    for (const char* n : {log_name, snapshot_name, hard_name, creating_name})
      if (auto st = remove_file(path_of(n)); !st) return st;
    if (auto st = fsync_dir(dir_); !st) return st;
    out.warnings.push_back(dir_ + ": removed a disk whose creation was interrupted");
    state_ = state::empty;
    return {};
  }
  if (!has(hard_name) && !has(snapshot_name) && !has(log_name)) {
    state_ = state::empty;
    return {};
  }
  if (!has(hard_name))
    return corrupt_data(path_of(hard_name) +
                        " is missing but other replog files exist (refusing to "
                        "start: the term and vote would be forgotten)");
  if (!has(snapshot_name))
    return corrupt_data(path_of(snapshot_name) + " is missing (refusing to start without it)");
  if (auto st = read_hard(out); !st) return st;
  if (auto st = read_snapshot(out); !st) return st;
  if (auto st = read_log(out); !st) return st;
  out.exists = true;
  state_ = state::ready;
  return {};
}

io_status replog_disk::read_hard(replog_recovery& out) {
  const auto path = path_of(hard_name);
  std::string bytes;
  if (auto st = read_file(path, bytes); !st) return st;
  auto scanned = oplog::scan(bytes);
  std::optional<replog::hard_state> h;
  if (scanned.tail == oplog::tail_state::clean && scanned.frames.size() == 1 &&
      scanned.frames[0].type == oplog::frame_type::checkpoint)
    h = proto::decode_replog_hard_state(scanned.frames[0].payload);
  if (!h) return corrupt_data(path + ": not a readable hard state (refusing to start without it)");
  out.state.hard = *h;
  return {};
}

io_status replog_disk::read_snapshot(replog_recovery& out) {
  const auto path = path_of(snapshot_name);
  std::string bytes;
  if (auto st = read_file(path, bytes); !st) return st;
  auto bad = [&](const std::string& why) {
    return corrupt_data(path + ": " + why + " (refusing to start without the snapshot)");
  };
  auto scanned = oplog::scan(bytes);
  if (scanned.tail != oplog::tail_state::clean) return bad(scanned.warning);
  if (scanned.frames.empty() || scanned.frames[0].type != oplog::frame_type::checkpoint ||
      scanned.frames[0].payload.size() < 8)
    return bad("no snapshot header frame");
  const std::string& header = scanned.frames[0].payload;
  const uint64_t data_bytes = get_le(header.data(), 8);
  auto meta = proto::decode_replog_snapshot_meta(std::string_view(header).substr(8));
  if (!meta) return bad("the snapshot meta does not decode");
  std::string data;
  for (size_t i = 1; i < scanned.frames.size(); ++i) {
    const auto& f = scanned.frames[i];
    if (f.type != oplog::frame_type::record || f.payload.size() > data_bytes - data.size())
      return bad("unexpected data frame at offset " + std::to_string(f.offset));
    data += f.payload;
  }
  if (data.size() != data_bytes)
    return bad("holds " + std::to_string(data.size()) + " data bytes of " +
               std::to_string(data_bytes));
  out.state.snapshot = std::move(*meta);
  out.state.snapshot_data = std::move(data);
  snapshot_index_ = out.state.snapshot.index;
  return {};
}

// Entries in the file must be contiguous and continue the snapshot; those at or below its index
// are skipped. If the file has an entry at the snapshot's index of another term, the log was
// being discarded when the node stopped (write_snapshot with discard_log): all of it goes.
io_status replog_disk::read_log(replog_recovery& out) {
  const auto path = path_of(log_name);
  std::string bytes;
  uint64_t size = 0;
  if (file_size(path, size).ok() && size > 0)
    if (auto st = read_file(path, bytes); !st) return st;
  auto scanned = oplog::scan(bytes);
  std::vector<replog::entry> entries;
  std::vector<uint64_t> offsets;
  for (const auto& f : scanned.frames) {
    std::optional<replog::entry> e;
    if (f.type == oplog::frame_type::record) e = proto::decode_replog_entry(f.payload);
    if (!e || e->index == 0)
      return corrupt_data(path + ": the frame at offset " + std::to_string(f.offset) +
                          " passes its CRC but is not a log entry");
    if (!entries.empty() && e->index != entries.back().index + 1)
      return corrupt_data(path + ": entry " + std::to_string(e->index) + " follows entry " +
                          std::to_string(entries.back().index) + " (a gap: refusing to start)");
    offsets.push_back(f.offset);
    entries.push_back(std::move(*e));
  }
  uint64_t keep_bytes = scanned.valid_prefix_bytes;
  if (scanned.tail != oplog::tail_state::clean)
    out.warnings.push_back(path + ": " + scanned.warning);
  const auto& snap = out.state.snapshot;
  if (!entries.empty()) {
    const uint64_t first = entries.front().index, last = entries.back().index;
    if (first > snap.index + 1)
      return corrupt_data(path + ": starts at entry " + std::to_string(first) +
                          " after a snapshot at " + std::to_string(snap.index) +
                          " (a gap: refusing to start)");
    bool drop = last <= snap.index;  // all covered by the snapshot
    if (!drop && first <= snap.index && entries[snap.index - first].term != snap.term) {
      out.warnings.push_back(path + ": entry " + std::to_string(snap.index) + " has term " +
                             std::to_string(entries[snap.index - first].term) +
                             ", the snapshot term " + std::to_string(snap.term) +
                             ": an interrupted log discard, log dropped");
      drop = true;
    }
    if (drop) {
      entries.clear();
      offsets.clear();
      keep_bytes = 0;
    }
  }
  if (keep_bytes != bytes.size())
    if (auto st = truncate_file(path, keep_bytes); !st) return st;
  first_index_ = entries.empty() ? 0 : entries.front().index;
  offsets_ = std::move(offsets);
  for (auto& e : entries)
    if (e.index > snap.index) out.state.log.push_back(std::move(e));
  return log_.open(path);
}

// -- writes --------------------------------------------------------------------------------------

io_status replog_disk::create(const replog::durable_state& fresh) {
  if (state_ != state::empty)
    return invalid("create: replog disk " + dir_ + " is not a recovered, empty disk");
  const uint64_t snap_index = fresh.snapshot.index;
  std::vector<char> log_buf;
  std::vector<uint64_t> offsets;
  for (const auto& e : fresh.log) {
    if (e.index <= snap_index) continue;
    if (e.index != snap_index + 1 + offsets.size())
      return invalid("create: log entry " + std::to_string(e.index) + " does not continue");
    offsets.push_back(log_buf.size());
    oplog::append_frame(log_buf, oplog::frame_type::record, proto::encode_replog_entry(e));
  }
  // The marker first: a crash before it is removed leaves a disk the next recover() discards.
  if (auto st = write_file_atomic(path_of(creating_name), ""); !st) return fail(st);
  auto snap = snapshot_file(fresh.snapshot, fresh.snapshot_data);
  if (auto st = write_and_rename(path_of(snapshot_name), view(snap)); !st) return fail(st);
  if (!log_buf.empty())
    if (auto st = write_and_rename(path_of(log_name), view(log_buf)); !st) return fail(st);
  if (auto st = write_and_rename(path_of(hard_name), view(hard_file(fresh.hard))); !st)
    return fail(st);
  if (auto st = fsync_dir(dir_); !st) return fail(st);
  if (auto st = remove_file(path_of(creating_name)); !st) return fail(st);
  if (auto st = fsync_dir(dir_); !st) return fail(st);
  if (auto st = log_.open(path_of(log_name)); !st) return fail(st);
  syncs_ += log_buf.empty() ? 6 : 7;
  snapshot_index_ = snap_index;
  first_index_ = snap_index + 1;
  offsets_ = std::move(offsets);
  state_ = state::ready;
  return {};
}

io_status replog_disk::write_hard(const replog::hard_state& h) {
  if (auto st = writable("write_hard"); !st) return st;
  if (auto st = write_file_atomic(path_of(hard_name), view(hard_file(h))); !st) return fail(st);
  syncs_ += 2;
  return {};
}

io_status replog_disk::write_snapshot(const replog::snapshot_write& s) {
  if (auto st = writable("write_snapshot"); !st) return st;
  const uint64_t index = s.meta.index;
  if (index < snapshot_index_)
    return invalid("write_snapshot: index " + std::to_string(index) + " is below the snapshot at " +
                   std::to_string(snapshot_index_));
  auto bytes = snapshot_file(s.meta, s.data);
  if (auto st = write_file_atomic(path_of(snapshot_name), view(bytes)); !st) return fail(st);
  syncs_ += 2;
  snapshot_index_ = index;
  if (s.discard_log || offsets_.empty() || last_index() <= index) return empty_log();
  return compact_log(index);
}

io_status replog_disk::empty_log() {
  offsets_.clear();
  if (log_.size() == 0) return {};
  if (auto st = log_.truncate(0); !st) return fail(st);
  if (auto st = log_.sync(); !st) return fail(st);
  ++syncs_;
  return {};
}

// Entries <= snapshot_index are dead weight: rewrite the rest once they are large enough.
io_status replog_disk::compact_log(uint64_t snapshot_index) {
  if (snapshot_index < first_index_) return {};
  const size_t dead = snapshot_index + 1 - first_index_;
  const uint64_t from = offsets_[dead];
  if (from < compact_min_bytes_ || from < log_.size() - from) return {};
  const auto path = path_of(log_name);
  std::string rest;
  if (auto st = read_range(path, from, log_.size() - from, rest); !st) return fail(st);
  if (auto st = write_file_atomic(path, rest); !st) return fail(st);
  if (auto st = log_.open(path); !st) return fail(st);
  syncs_ += 2;
  offsets_.erase(offsets_.begin(), offsets_.begin() + static_cast<std::ptrdiff_t>(dead));
  for (auto& o : offsets_) o -= from;
  first_index_ = snapshot_index + 1;
  return {};
}

io_status replog_disk::append(const replog::log_write& w) {
  if (auto st = writable("append"); !st) return st;
  const uint64_t last = last_index();
  const bool cut = w.truncate_from != 0 && w.truncate_from <= last;
  const uint64_t next = cut ? w.truncate_from : last + 1;
  if (!w.entries.empty()) {
    if (next <= snapshot_index_)
      return invalid("append: entry " + std::to_string(next) + " is covered by the snapshot at " +
                     std::to_string(snapshot_index_));
    for (size_t i = 0; i < w.entries.size(); ++i)
      if (w.entries[i].index != next + i)
        return invalid("append: entry " + std::to_string(w.entries[i].index) + " where " +
                       std::to_string(next + i) + " belongs (the log must stay contiguous)");
  }
  const bool truncate = cut && !offsets_.empty();
  if (truncate) {
    // Everything the cut leaves at or below the snapshot index goes too: the file never ends
    // before the snapshot, so what is appended next continues what it holds.
    const uint64_t keep = w.truncate_from <= std::max(first_index_, snapshot_index_ + 1)
                              ? 0
                              : w.truncate_from - first_index_;
    const uint64_t size = keep == 0 ? 0 : offsets_[keep];
    offsets_.resize(keep);
    if (auto st = log_.truncate(size); !st) return fail(st);
  }
  std::vector<char> buf;
  for (const auto& e : w.entries) {
    if (offsets_.empty()) first_index_ = e.index;
    offsets_.push_back(log_.size() + buf.size());
    oplog::append_frame(buf, oplog::frame_type::record, proto::encode_replog_entry(e));
  }
  if (!truncate && buf.empty()) return {};
  if (!buf.empty())
    if (auto st = log_.append(view(buf)); !st) return fail(st);
  if (auto st = log_.sync(); !st) return fail(st);
  ++syncs_;
  return {};
}

}  // namespace dfs
