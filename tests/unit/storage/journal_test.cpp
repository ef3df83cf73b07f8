// The journal on real files: group-committed appends, recovery with torn and corrupt tails,
// checkpoint + replay equals the live state.
#include "storage/journal.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>

#include "common/temp_dir.hpp"
#include "core/oplog/frame.hpp"
#include "proto/master_log.hpp"
#include "unit/master/test_util.hpp"

using namespace dfs;
using namespace dfs::master;
using dfs::master::test::driver;
using dfs::master::test::t0;

namespace {

// A history that uses every record kind (shared chunks, dropped versions, rm, pending upload).
void build_history(driver& d, int rounds) {
  if (!d.state.stat("/a").ok()) d.mkdir("/a");
  for (int i = 0; i < rounds; ++i) {
    auto v = d.put("/a/f", {100, static_cast<uint64_t>(i + 1)});
    auto extra = d.allocate("/a/g", {7});
    ASSERT_TRUE(d.commit("/a/g", {v[0], extra[0]}).ok());
    d.put("/a/tmp", {1});
    d.apply(*d.state.validate_remove("/a/tmp"));
  }
  d.allocate("/a/pending", {5});
}

journal_recovery recover_ok(journal& j) {
  journal_recovery rec;
  auto st = j.recover(rec);
  EXPECT_TRUE(st.ok()) << st.message;
  return rec;
}

// A journal in `dir`, recovered, holding `d`'s history so far.
std::unique_ptr<journal> journal_holding(const std::string& dir, const driver& d) {
  auto j = std::make_unique<journal>(dir);
  recover_ok(*j);
  EXPECT_TRUE(j->append(d.log).ok());
  return j;
}

std::string dump_of(const journal_recovery& rec) {
  auto st = rebuild_state(rec, {}, t0());
  EXPECT_TRUE(st.ok()) << st.err().message;
  return st.ok() ? st->canonical_dump() : "";
}

std::string log_path(const std::string& dir, int seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020d", seq);
  return dir + "/log-" + buf;
}

std::string read_all(const std::string& path) {
  std::string s;
  EXPECT_TRUE(read_file(path, s).ok()) << path;
  return s;
}

}  // namespace

TEST(Journal, EmptyDirectory) {
  dfs::test::temp_dir tmp;
  journal j{tmp.path() + "/meta"};
  auto rec = recover_ok(j);
  EXPECT_FALSE(rec.has_checkpoint);
  EXPECT_TRUE(rec.records.empty());
  EXPECT_TRUE(rec.warnings.empty());
  EXPECT_EQ(j.sequence(), 1u);
  uint64_t size = 1;
  ASSERT_TRUE(file_size(log_path(j.dir(), 1), size).ok());
  EXPECT_EQ(size, 0u);
}

TEST(Journal, AppendBeforeRecoverIsRefused) {
  dfs::test::temp_dir tmp;
  journal j{tmp.path()};
  EXPECT_FALSE(j.append({mkdir_record{"/a"}}).ok());
}

TEST(Journal, GroupCommitAndReplay) {
  dfs::test::temp_dir tmp;
  driver d;
  build_history(d, 4);
  {
    journal j{tmp.path()};
    recover_ok(j);
    // The actor batches what arrived while the last fsync ran: uneven batches, one sync each.
    size_t i = 0;
    for (size_t batch = 1; i < d.log.size(); ++batch) {
      auto end = std::min(d.log.size(), i + batch);
      ASSERT_TRUE(j.append({d.log.begin() + i, d.log.begin() + end}).ok());
      i = end;
    }
    ASSERT_TRUE(j.append({}).ok());
    EXPECT_GT(j.segment_bytes(), 0u);
  }
  journal j{tmp.path()};
  auto rec = recover_ok(j);
  EXPECT_TRUE(rec.warnings.empty());
  ASSERT_EQ(rec.records.size(), d.log.size());
  for (size_t i = 0; i < d.log.size(); ++i)
    EXPECT_EQ(proto::encode_record(rec.records[i]), proto::encode_record(d.log[i])) << i;
  EXPECT_EQ(dump_of(rec), d.state.canonical_dump());
}

TEST(Journal, TornTailIsTruncatedWithWarning) {
  dfs::test::temp_dir tmp;
  driver d;
  build_history(d, 2);
  {
    journal j{tmp.path()};
    recover_ok(j);
    ASSERT_TRUE(j.append(d.log).ok());
  }
  auto path = log_path(tmp.path(), 1);
  auto full = read_all(path);
  ASSERT_TRUE(truncate_file(path, full.size() - 3).ok());  // crash in the middle of the last one
  {
    journal j{tmp.path()};
    auto rec = recover_ok(j);
    ASSERT_EQ(rec.records.size(), d.log.size() - 1);
    ASSERT_EQ(rec.warnings.size(), 1u);
    EXPECT_NE(rec.warnings[0].find("torn"), std::string::npos) << rec.warnings[0];
    EXPECT_NE(rec.warnings[0].find("truncated"), std::string::npos) << rec.warnings[0];
    // The log continues cleanly after the truncation point.
    ASSERT_TRUE(j.append({mkdir_record{"/after"}}).ok());
  }
  journal j{tmp.path()};
  auto rec = recover_ok(j);
  EXPECT_TRUE(rec.warnings.empty());
  ASSERT_EQ(rec.records.size(), d.log.size());
  EXPECT_EQ(std::get<mkdir_record>(rec.records.back()).path, "/after");
}

TEST(Journal, CorruptRecordInTheMiddle) {
  dfs::test::temp_dir tmp;
  driver d;
  build_history(d, 3);
  std::vector<uint64_t> offsets;  // of each record's frame
  {
    journal j{tmp.path()};
    recover_ok(j);
    for (const auto& r : d.log) {
      offsets.push_back(j.segment_bytes());
      ASSERT_TRUE(j.append({r}).ok());
    }
  }
  auto path = log_path(tmp.path(), 1);
  auto bytes = read_all(path);
  size_t victim = d.log.size() / 2;
  bytes[offsets[victim] + oplog::frame_header_bytes + 1] ^= 0x01;  // a payload bit
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
  journal j{tmp.path()};
  auto rec = recover_ok(j);
  ASSERT_EQ(rec.records.size(), victim);  // everything before the bad record, nothing after
  ASSERT_EQ(rec.warnings.size(), 1u);
  EXPECT_NE(rec.warnings[0].find("CRC mismatch"), std::string::npos) << rec.warnings[0];
  EXPECT_NE(rec.warnings[0].find("offset " + std::to_string(offsets[victim])), std::string::npos)
      << rec.warnings[0];
  uint64_t size = 0;
  ASSERT_TRUE(file_size(path, size).ok());
  EXPECT_EQ(size, offsets[victim]);
  // The recovered prefix is a consistent state: replaying it works.
  driver prefix;
  for (size_t i = 0; i < victim; ++i) prefix.apply(d.log[i]);
  EXPECT_EQ(dump_of(rec), prefix.state.canonical_dump());
}

namespace {

// Segment 1 holds mkdir /a and /b, segment 2 mkdir /c.
void two_segments(const std::string& dir) {
  {
    journal j{dir};
    recover_ok(j);
    ASSERT_TRUE(j.append({mkdir_record{"/a"}, mkdir_record{"/b"}}).ok());
  }
  auto later =
      oplog::encode_frame(oplog::frame_type::record, proto::encode_record(mkdir_record{"/c"}));
  ASSERT_TRUE(write_file_atomic(log_path(dir, 2), {later.data(), later.size()}).ok());
}

}  // namespace

TEST(Journal, LaterSegmentsAfterDamageAreSetAside) {
  dfs::test::temp_dir tmp;
  auto first = log_path(tmp.path(), 1);
  ASSERT_NO_FATAL_FAILURE(two_segments(tmp.path()));
  auto bytes = read_all(first);
  bytes.back() ^= 0x40;
  ASSERT_TRUE(write_file_atomic(first, bytes).ok());
  journal j{tmp.path()};
  auto rec = recover_ok(j);
  EXPECT_EQ(rec.records.size(), 1u);
  EXPECT_EQ(rec.warnings.size(), 2u);
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(tmp.path(), names).ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "log-00000000000000000002.discarded"),
            names.end());
}

// A power cut can undo the cut of a closed segment's preallocated rest (durable_file.hpp): its
// zeros end that segment, and the next segment's records still count.
TEST(Journal, ZerosAfterAnEarlierSegmentsLastRecordKeepTheLaterSegments) {
  dfs::test::temp_dir tmp;
  auto first = log_path(tmp.path(), 1);
  ASSERT_NO_FATAL_FAILURE(two_segments(tmp.path()));
  auto bytes = read_all(first);
  ASSERT_TRUE(write_file_atomic(first, bytes + std::string(4096, '\0')).ok());
  journal j{tmp.path()};
  auto rec = recover_ok(j);
  EXPECT_EQ(rec.records.size(), 3u);
  ASSERT_EQ(rec.warnings.size(), 1u);
  EXPECT_NE(rec.warnings[0].find("zero bytes"), std::string::npos) << rec.warnings[0];
  EXPECT_EQ(read_all(first), bytes);
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(tmp.path(), names).ok());
  for (auto& n : names) EXPECT_EQ(n.find(".discarded"), std::string::npos) << n;
}

TEST(Journal, CheckpointPlusReplayEqualsLive) {
  dfs::test::temp_dir tmp;
  driver d;
  build_history(d, 3);
  size_t at_checkpoint = d.log.size();
  {
    journal j{tmp.path()};
    recover_ok(j);
    ASSERT_TRUE(j.append(d.log).ok());
    ASSERT_TRUE(j.checkpoint(d.state.snapshot()).ok());
    EXPECT_EQ(j.sequence(), 2u);
    EXPECT_EQ(j.segment_bytes(), 0u);
    build_history(d, 2);
    ASSERT_TRUE(j.append({d.log.begin() + static_cast<long>(at_checkpoint), d.log.end()}).ok());
  }
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(tmp.path(), names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"checkpoint-00000000000000000002",
                                             "log-00000000000000000002"}));
  {
    journal j{tmp.path()};
    auto rec = recover_ok(j);
    EXPECT_TRUE(rec.has_checkpoint);
    EXPECT_EQ(rec.checkpoint_sequence, 2u);
    EXPECT_EQ(rec.records.size(), d.log.size() - at_checkpoint);
    EXPECT_EQ(dump_of(rec), d.state.canonical_dump());
    // A second checkpoint right after recovery, then recovery from it alone.
    auto st = rebuild_state(rec, {}, t0());
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(j.checkpoint(st->snapshot()).ok());
  }
  journal j{tmp.path()};
  auto rec = recover_ok(j);
  EXPECT_EQ(rec.checkpoint_sequence, 3u);
  EXPECT_TRUE(rec.records.empty());
  EXPECT_EQ(dump_of(rec), d.state.canonical_dump());
}

TEST(Journal, UnreadableCheckpointStopsRecovery) {
  dfs::test::temp_dir tmp;
  driver d;
  build_history(d, 1);
  {
    journal j{tmp.path()};
    recover_ok(j);
    ASSERT_TRUE(j.append(d.log).ok());
    ASSERT_TRUE(j.checkpoint(d.state.snapshot()).ok());
  }
  auto path = tmp.path() + "/checkpoint-00000000000000000002";
  auto bytes = read_all(path);
  bytes[bytes.size() / 2] ^= 0x10;
  ASSERT_TRUE(write_file_atomic(path, bytes).ok());
  journal j{tmp.path()};
  journal_recovery rec;
  auto st = j.recover(rec);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("no usable checkpoint"), std::string::npos) << st.message;
  ASSERT_EQ(rec.warnings.size(), 1u);
  EXPECT_NE(rec.warnings[0].find("checkpoint-00000000000000000002"), std::string::npos);
}

TEST(Journal, RecordThatDoesNotApplyIsReported) {
  journal_recovery rec;
  rec.records = {mkdir_record{"/a"}, mkdir_record{"/a"}};
  auto st = rebuild_state(rec, {}, t0());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.err().code, errc::corrupt_state);
  EXPECT_NE(st.err().message.find("log record 1"), std::string::npos);
}

// A checkpoint is encoded and written on the journal's own thread while the master appends to
// the next segment. A crash before the file is written (here: a copy of the directory taken
// then) recovers from the older files, and afterwards from the checkpoint alone; both equal
// the live state.
TEST(Journal, AppendsGoOnDuringABackgroundCheckpointAndACrashBeforeItLosesNothing) {
  dfs::test::temp_dir tmp, crashed;
  driver d;
  build_history(d, 3);
  size_t at_checkpoint = d.log.size();
  auto holder = journal_holding(tmp.path(), d);
  auto& j = *holder;
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, go = false, finished = false;
  io_status outcome{-1, "not called"};
  auto st = j.checkpoint_in_background(
      d.state.snapshot(),
      [&](io_status s) {
        std::lock_guard lk(mu);
        outcome = std::move(s);
        finished = true;
      },
      [&] {
        std::unique_lock lk(mu);
        started = true;
        cv.notify_all();
        cv.wait(lk, [&] { return go; });
      });
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(j.sequence(), 2u) << "segment 2 started at once";
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(30), [&] { return started; }));
  }
  build_history(d, 2);
  ASSERT_TRUE(j.append({d.log.begin() + static_cast<long>(at_checkpoint), d.log.end()}).ok());
  std::filesystem::copy(
      tmp.path(), crashed.path(),
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  {
    std::lock_guard lk(mu);
    go = true;
  }
  cv.notify_all();
  j.wait_for_checkpoint();
  EXPECT_TRUE(finished);
  EXPECT_TRUE(outcome.ok()) << outcome.message;
  {
    journal before{crashed.path()};
    auto rec = recover_ok(before);
    EXPECT_FALSE(rec.has_checkpoint) << "the crash came before the checkpoint was written";
    EXPECT_EQ(rec.records.size(), d.log.size());
    EXPECT_EQ(dump_of(rec), d.state.canonical_dump());
  }
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(tmp.path(), names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"checkpoint-00000000000000000002",
                                             "log-00000000000000000002"}))
      << "older files go once the checkpoint is durable";
  journal after{tmp.path()};
  auto rec = recover_ok(after);
  EXPECT_EQ(rec.checkpoint_sequence, 2u);
  EXPECT_EQ(rec.records.size(), d.log.size() - at_checkpoint);
  EXPECT_EQ(dump_of(rec), d.state.canonical_dump());
}

// A checkpoint that cannot be written (here: a directory in the way of its temporary file)
// reports the error and costs nothing else: appends go on and recovery reads every segment.
TEST(Journal, AFailedBackgroundCheckpointKeepsEverySegment) {
  dfs::test::temp_dir tmp;
  driver d;
  build_history(d, 2);
  size_t first = d.log.size();
  {
    auto j = journal_holding(tmp.path(), d);
    std::filesystem::create_directory(tmp.path() + "/checkpoint-00000000000000000002.tmp");
    io_status outcome;
    ASSERT_TRUE(j->checkpoint_in_background(d.state.snapshot(), [&](io_status s) {
                   outcome = std::move(s);
                 }).ok());
    j->wait_for_checkpoint();
    EXPECT_FALSE(outcome.ok());
    build_history(d, 1);
    ASSERT_TRUE(j->append({d.log.begin() + static_cast<long>(first), d.log.end()}).ok());
  }
  std::filesystem::remove(tmp.path() + "/checkpoint-00000000000000000002.tmp");
  journal j{tmp.path()};
  auto rec = recover_ok(j);
  EXPECT_FALSE(rec.has_checkpoint);
  EXPECT_EQ(rec.records.size(), d.log.size()) << "segments 1 and 2";
  EXPECT_EQ(dump_of(rec), d.state.canonical_dump());
}
