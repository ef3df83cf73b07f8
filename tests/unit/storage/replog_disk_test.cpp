// replog_disk on real files: a new disk created and read back, appends with truncations, torn
// and corrupt log tails cut, snapshots that discard or compact the log, an interrupted discard
// and an interrupted create, damaged files refused, and writes refused after a failure.
#include "storage/replog_disk.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/temp_dir.hpp"
#include "core/oplog/frame.hpp"
#include "proto/replog.hpp"

using namespace dfs;

namespace {

const std::vector<endpoint> masters{{"127.0.0.1", 7000}, {"127.0.0.1", 7010}, {"127.0.0.1", 7020}};

replog::entry entry(uint64_t index, uint64_t term) {
  replog::entry e;
  e.index = index;
  e.term = term;
  e.data = "batch-" + std::to_string(index) + "@" + std::to_string(term);
  return e;
}

std::vector<replog::entry> entries(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<replog::entry> out;
  for (uint64_t i = from; i <= to; ++i) out.push_back(entry(i, term));
  return out;
}

replog::log_write write_of(std::vector<replog::entry> es, uint64_t truncate_from = 0) {
  static uint64_t id = 0;
  return replog::log_write{++id, truncate_from, std::move(es)};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

uint64_t size_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Where the frames of an open log end: the file runs on with preallocated zeros
// (storage/durable_file.hpp).
uint64_t framed_bytes_of(const std::string& path) {
  auto scanned = oplog::scan(slurp(path));
  EXPECT_TRUE(scanned.tail == oplog::tail_state::clean || scanned.zero_tail) << scanned.warning;
  return scanned.valid_prefix_bytes;
}

// A new disk: recover (empty) + create(genesis).
void make_disk(replog_disk& d) {
  replog_recovery rec;
  ASSERT_TRUE(d.recover(rec)) << "recover";
  ASSERT_FALSE(rec.exists);
  ASSERT_TRUE(d.create(replog::fresh_disk(masters, true, 0)));
}

// What a restart reads back.
replog_recovery reopen(const std::string& dir, io_status* status = nullptr) {
  replog_disk d{dir};
  replog_recovery rec;
  auto st = d.recover(rec);
  if (status != nullptr)
    *status = st;
  else
    EXPECT_TRUE(st) << st.message;
  return rec;
}

void expect_log(const replog_recovery& rec, const std::vector<replog::entry>& want) {
  ASSERT_EQ(rec.state.log.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(rec.state.log[i] == want[i]) << "entry " << i << " index " << want[i].index;
}

replog::snapshot_write snapshot_at(uint64_t index, uint64_t term, bool discard) {
  replog::snapshot_write s;
  s.meta.index = index;
  s.meta.term = term;
  s.meta.config.voters = {{masters[0], 0}, {masters[1], 1719000000001ull}, {masters[2], 0}};
  s.data = std::string("state\0at ", 9) + std::to_string(index);
  s.discard_log = discard;
  return s;
}

TEST(ReplogDisk, NewDiskCreatedAndRecovered) {
  test::temp_dir tmp;
  const auto dir = tmp.path() + "/replog";
  auto fresh = replog::fresh_disk(masters, true, 0);
  {
    replog_disk d{dir};
    replog_recovery rec;
    ASSERT_TRUE(d.recover(rec));
    EXPECT_FALSE(rec.exists);
    EXPECT_FALSE(d.append(write_of(entries(1, 1, 1))));  // not created yet
    ASSERT_TRUE(d.create(fresh));
    EXPECT_FALSE(d.create(fresh));  // only once
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
  }
  auto rec = reopen(dir);
  EXPECT_TRUE(rec.exists);
  EXPECT_TRUE(rec.warnings.empty());
  EXPECT_TRUE(rec.state.hard == fresh.hard);
  EXPECT_TRUE(rec.state.snapshot == fresh.snapshot);
  EXPECT_EQ(rec.state.snapshot.config.voters.size(), 3u);
  EXPECT_EQ(rec.state.snapshot_data, fresh.snapshot_data);
  EXPECT_TRUE(rec.state.log.empty());
}

TEST(ReplogDisk, CreateWithSnapshotAndLog) {
  test::temp_dir tmp;
  replog::durable_state s;
  s.hard = {1719000000001ull, 4, masters[1], 0, 3};
  s.snapshot = snapshot_at(5, 3, false).meta;
  s.snapshot_data = std::string(100000, 'x');
  s.log = entries(4, 8, 3);  // 4 and 5 are below the snapshot: not written
  {
    replog_disk d{tmp.path()};
    replog_recovery rec;
    ASSERT_TRUE(d.recover(rec));
    ASSERT_TRUE(d.create(s));
    EXPECT_EQ(d.last_index(), 8u);
    ASSERT_TRUE(d.append(write_of(entries(9, 9, 4))));
  }
  auto rec = reopen(tmp.path());
  EXPECT_TRUE(rec.state.hard == s.hard);
  EXPECT_TRUE(rec.state.snapshot == s.snapshot);
  EXPECT_EQ(rec.state.snapshot_data, s.snapshot_data);
  auto want = entries(6, 8, 3);
  want.push_back(entry(9, 4));
  expect_log(rec, want);
}

TEST(ReplogDisk, AppendTruncateAppend) {
  test::temp_dir tmp;
  {
    replog_disk d{tmp.path()};
    make_disk(d);
    auto before = d.syncs();
    ASSERT_TRUE(d.append(write_of(entries(1, 5, 1))));
    EXPECT_EQ(d.syncs(), before + 1);  // one fdatasync per write
    ASSERT_TRUE(d.append(write_of(entries(6, 7, 1))));
    ASSERT_TRUE(d.append(write_of(entries(4, 5, 2), 4)));  // replaces 4..7
    EXPECT_EQ(d.syncs(), before + 3);
    EXPECT_EQ(d.last_index(), 5u);
    EXPECT_EQ(d.log_bytes(), framed_bytes_of(tmp.path() + "/log"));
    ASSERT_TRUE(d.append(write_of({}, 5)));  // a truncation alone
    EXPECT_EQ(d.last_index(), 4u);
    ASSERT_TRUE(d.append(write_of(entries(5, 6, 3))));
    ASSERT_TRUE(d.append(write_of({}, 9)));  // beyond the end: nothing to cut
    EXPECT_EQ(d.last_index(), 6u);
  }
  auto rec = reopen(tmp.path());
  EXPECT_TRUE(rec.warnings.empty());
  auto want = entries(1, 3, 1);
  want.push_back(entry(4, 2));
  for (auto& e : entries(5, 6, 3)) want.push_back(e);
  expect_log(rec, want);
}

TEST(ReplogDisk, NonContiguousAppendIsRefusedAndWritesNothing) {
  test::temp_dir tmp;
  replog_disk d{tmp.path()};
  make_disk(d);
  ASSERT_TRUE(d.append(write_of(entries(1, 3, 1))));
  auto bytes = d.log_bytes();
  auto st = d.append(write_of(entries(5, 6, 1)));  // a gap
  EXPECT_FALSE(st);
  EXPECT_EQ(st.code, EINVAL);
  auto es = entries(4, 5, 1);
  es[1].index = 7;  // a gap inside the write
  EXPECT_FALSE(d.append(write_of(es)));
  EXPECT_EQ(d.log_bytes(), bytes);
  EXPECT_TRUE(d.append(write_of(entries(4, 4, 1))));  // still usable
}

TEST(ReplogDisk, TornTailIsCutWithAWarning) {
  test::temp_dir tmp;
  const auto log = tmp.path() + "/log";
  {
    replog_disk d{tmp.path()};
    make_disk(d);
    ASSERT_TRUE(d.append(write_of(entries(1, 3, 1))));
  }
  const auto good = slurp(log);
  spit(log, good + std::string("\x44\x46\x53\x4c\x01\x00garbage", 13));  // a header cut short
  auto rec = reopen(tmp.path());
  EXPECT_EQ(rec.warnings.size(), 1u);
  expect_log(rec, entries(1, 3, 1));
  EXPECT_EQ(size_of(log), good.size());

  spit(log, good.substr(0, good.size() - 5));  // the last frame cut mid-payload
  {
    replog_disk d{tmp.path()};
    replog_recovery rec2;
    ASSERT_TRUE(d.recover(rec2));
    EXPECT_EQ(rec2.warnings.size(), 1u);
    expect_log(rec2, entries(1, 2, 1));
    EXPECT_EQ(d.last_index(), 2u);
    ASSERT_TRUE(d.append(write_of(entries(3, 4, 2))));  // appends after the cut
  }
  auto rec3 = reopen(tmp.path());
  EXPECT_TRUE(rec3.warnings.empty());
  auto want = entries(1, 2, 1);
  for (auto& e : entries(3, 4, 2)) want.push_back(e);
  expect_log(rec3, want);
}

TEST(ReplogDisk, CrcFailingTailIsCutWithAWarning) {
  test::temp_dir tmp;
  const auto log = tmp.path() + "/log";
  {
    replog_disk d{tmp.path()};
    make_disk(d);
    ASSERT_TRUE(d.append(write_of(entries(1, 3, 1))));
  }
  auto bytes = slurp(log);
  bytes[bytes.size() - 2] ^= 0x20;  // inside entry 3's payload
  spit(log, bytes);
  auto rec = reopen(tmp.path());
  ASSERT_EQ(rec.warnings.size(), 1u);
  expect_log(rec, entries(1, 2, 1));
}

TEST(ReplogDisk, SnapshotWithDiscardEmptiesTheLog) {
  test::temp_dir tmp;
  auto snap = snapshot_at(3, 9, true);
  {
    replog_disk d{tmp.path()};
    make_disk(d);
    ASSERT_TRUE(d.append(write_of(entries(1, 5, 1))));
    ASSERT_TRUE(d.write_snapshot(snap));
    EXPECT_EQ(d.log_bytes(), 0u);
    EXPECT_EQ(size_of(tmp.path() + "/log"), 0u);
    EXPECT_EQ(d.last_index(), 3u);
    EXPECT_FALSE(d.append(write_of(entries(6, 6, 9))));  // must continue the snapshot
    ASSERT_TRUE(d.append(write_of(entries(4, 4, 9))));
  }
  auto rec = reopen(tmp.path());
  EXPECT_TRUE(rec.state.snapshot == snap.meta);
  EXPECT_EQ(rec.state.snapshot_data, snap.data);
  expect_log(rec, entries(4, 4, 9));
}

// A crash after the new snapshot is durable, before the log is emptied: the old log's entry at
// the snapshot index has another term, so recovery drops the whole old log.
TEST(ReplogDisk, InterruptedDiscardDropsTheStaleLog) {
  test::temp_dir tmp;
  const auto log = tmp.path() + "/log";
  std::string old_log;
  {
    replog_disk d{tmp.path()};
    make_disk(d);
    ASSERT_TRUE(d.append(write_of(entries(1, 5, 1))));
    old_log = slurp(log);
    ASSERT_TRUE(d.write_snapshot(snapshot_at(3, 9, true)));
  }
  spit(log, old_log);
  auto rec = reopen(tmp.path());
  EXPECT_EQ(rec.state.snapshot.index, 3u);
  EXPECT_TRUE(rec.state.log.empty());
  // The stale log's drop, after the note on the zeros its preallocation left.
  ASSERT_FALSE(rec.warnings.empty());
  EXPECT_NE(rec.warnings.back().find("interrupted log discard"), std::string::npos)
      << rec.warnings.back();
  EXPECT_EQ(size_of(log), 0u);
}

TEST(ReplogDisk, SnapshotWithoutDiscardDropsThePrefix) {
  test::temp_dir tmp;
  auto snap = snapshot_at(6, 1, false);
  uint64_t bytes_before = 0;
  {
    replog_disk d{tmp.path()};  // default compaction threshold (1 MiB): the prefix stays
    make_disk(d);
    ASSERT_TRUE(d.append(write_of(entries(1, 10, 1))));
    bytes_before = d.log_bytes();
    ASSERT_TRUE(d.write_snapshot(snap));
    EXPECT_EQ(d.log_bytes(), bytes_before);
    EXPECT_EQ(d.last_index(), 10u);
  }
  auto rec = reopen(tmp.path());
  EXPECT_TRUE(rec.state.snapshot == snap.meta);
  expect_log(rec, entries(7, 10, 1));
  // Recovered with the skipped prefix still in the file: truncation and appends keep working.
  {
    replog_disk d{tmp.path()};
    replog_recovery r;
    ASSERT_TRUE(d.recover(r));
    ASSERT_TRUE(d.append(write_of(entries(9, 9, 2), 9)));
  }
  auto rec2 = reopen(tmp.path());
  auto want = entries(7, 8, 1);
  want.push_back(entry(9, 2));
  expect_log(rec2, want);
}

TEST(ReplogDisk, LargeDeadPrefixIsCompactedAway) {
  test::temp_dir tmp;
  {
    replog_disk d{tmp.path(), 0};
    make_disk(d);
    ASSERT_TRUE(d.append(write_of(entries(1, 10, 1))));
    const auto full = d.log_bytes();
    ASSERT_TRUE(d.write_snapshot(snapshot_at(3, 1, false)));
    EXPECT_EQ(d.log_bytes(), full);  // 3 dead entries, 7 live: not worth a rewrite
    ASSERT_TRUE(d.write_snapshot(snapshot_at(6, 1, false)));
    EXPECT_LT(d.log_bytes(), full / 2);  // 6 dead, 4 live: rewritten
    EXPECT_EQ(d.log_bytes(), framed_bytes_of(tmp.path() + "/log"));
    ASSERT_TRUE(d.append(write_of(entries(8, 11, 2), 8)));  // offsets still right
    EXPECT_EQ(d.log_bytes(), framed_bytes_of(tmp.path() + "/log"));
    auto mid = reopen(tmp.path());
    // Read while `d` has it open: only the preallocated zeros after the last entry to note.
    for (auto& w : mid.warnings) EXPECT_NE(w.find("zero bytes"), std::string::npos) << w;
    auto want = entries(7, 7, 1);
    for (auto& e : entries(8, 11, 2)) want.push_back(e);
    expect_log(mid, want);
    ASSERT_TRUE(d.write_snapshot(snapshot_at(11, 2, false)));  // covers everything: emptied
    EXPECT_EQ(d.log_bytes(), 0u);
    ASSERT_TRUE(d.append(write_of(entries(12, 12, 2))));
  }
  auto rec = reopen(tmp.path());
  EXPECT_EQ(rec.state.snapshot.index, 11u);
  expect_log(rec, entries(12, 12, 2));
}

TEST(ReplogDisk, DamagedHardOrSnapshotIsRefused) {
  test::temp_dir tmp;
  {
    replog_disk d{tmp.path()};
    make_disk(d);
    ASSERT_TRUE(d.write_hard({0, 3, masters[1], 0, 0}));
    ASSERT_TRUE(d.write_snapshot(snapshot_at(0, 0, false)));  // with data bytes
  }
  const auto hard = tmp.path() + "/hard";
  const auto snapshot = tmp.path() + "/snapshot";
  const auto good_hard = slurp(hard), good_snap = slurp(snapshot);
  EXPECT_EQ(reopen(tmp.path()).state.hard.term, 3u);

  io_status st;
  auto bad = good_hard;
  bad[bad.size() - 1] ^= 1;  // CRC fails
  spit(hard, bad);
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);
  EXPECT_EQ(st.code, EILSEQ);

  auto frame = oplog::encode_frame(oplog::frame_type::checkpoint, "\x01not a hard state");
  spit(hard, std::string(frame.begin(), frame.end()));  // CRC fine, does not decode
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);

  ::unlink(hard.c_str());  // missing while the snapshot exists
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);

  spit(hard, good_hard);
  spit(snapshot, good_snap.substr(0, good_snap.size() - 1));
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);
  // Cut on a frame boundary: the data frame is gone, the header says how long the data is.
  auto header_only = good_snap.substr(
      0, good_snap.size() - oplog::frame_header_bytes - snapshot_at(0, 0, false).data.size());
  spit(snapshot, header_only);
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);
  ::unlink(snapshot.c_str());
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);
}

void append_raw(const std::string& path, const replog::entry& e) {
  auto frame = oplog::encode_frame(oplog::frame_type::record, proto::encode_replog_entry(e));
  std::ofstream(path, std::ios::binary | std::ios::app).write(frame.data(), frame.size());
}

TEST(ReplogDisk, GapsAreRefused) {
  test::temp_dir tmp;
  const auto log = tmp.path() + "/log";
  {
    replog_disk d{tmp.path()};
    make_disk(d);
    ASSERT_TRUE(d.append(write_of(entries(1, 2, 1))));
  }
  append_raw(log, entry(4, 1));  // 3 is missing
  io_status st;
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);
  EXPECT_EQ(st.code, EILSEQ);

  spit(log, "");
  append_raw(log, entry(2, 1));  // the snapshot is at 0: 1 is missing
  reopen(tmp.path(), &st);
  EXPECT_FALSE(st);

  spit(log, "");
  append_raw(log, entry(1, 1));  // back to a valid log
  reopen(tmp.path(), &st);
  EXPECT_TRUE(st) << st.message;
}

// Failure injection without root-proof permissions: a directory where hard.tmp goes makes the
// atomic replace fail (open of a directory for writing); once removed, writes would work again,
// but the disk must keep refusing them.
TEST(ReplogDisk, WritesAreRefusedAfterAFailure) {
  test::temp_dir tmp;
  replog_disk d{tmp.path()};
  make_disk(d);
  ASSERT_TRUE(d.append(write_of(entries(1, 2, 1))));
  const auto blocker = tmp.path() + "/hard.tmp";
  ASSERT_EQ(::mkdir(blocker.c_str(), 0700), 0);
  EXPECT_FALSE(d.write_hard({0, 2, masters[0], 0, 0}));
  EXPECT_TRUE(d.failed());
  ASSERT_EQ(::rmdir(blocker.c_str()), 0);
  auto st = d.append(write_of(entries(3, 3, 1)));
  EXPECT_FALSE(st);
  EXPECT_EQ(st.code, EIO);
  EXPECT_FALSE(d.write_hard({0, 2, masters[0], 0, 0}));
  EXPECT_FALSE(d.write_snapshot(snapshot_at(2, 1, false)));
  expect_log(reopen(tmp.path()), entries(1, 2, 1));  // nothing more reached the disk
}

TEST(ReplogDisk, InterruptedCreateIsThrownAway) {
  test::temp_dir tmp;
  spit(tmp.path() + "/creating", "");
  spit(tmp.path() + "/snapshot", "half");
  spit(tmp.path() + "/snapshot.tmp", "half");
  replog_disk d{tmp.path()};
  replog_recovery rec;
  ASSERT_TRUE(d.recover(rec));
  EXPECT_FALSE(rec.exists);
  EXPECT_EQ(rec.warnings.size(), 1u);
  EXPECT_EQ(::access((tmp.path() + "/snapshot").c_str(), F_OK), -1);
  ASSERT_TRUE(d.create(replog::fresh_disk(masters, false, 1719000000001ull)));
  auto again = reopen(tmp.path());
  EXPECT_TRUE(again.exists);
  EXPECT_EQ(again.state.hard.incarnation, 1719000000001ull);
  EXPECT_EQ(::access((tmp.path() + "/creating").c_str(), F_OK), -1);
}

}  // namespace
