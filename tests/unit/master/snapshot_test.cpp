// Checkpoint + replay equals live state: the pure half (no serialisation, no files). The
// journal tests repeat this through the real codec and log files.
#include <gtest/gtest.h>

#include <limits>

#include "unit/master/test_util.hpp"

using namespace dfs::master;
using namespace dfs::master::test;

namespace {

// A history touching every record kind, with shared chunks and dropped versions.
void build_history(driver& d) {
  d.mkdir("/a");
  d.mkdir("/a/b");
  auto v1 = d.put("/a/f", {100, 200});
  d.put("/a/f", {7});
  auto shared = d.allocate("/a/b/g", {9});
  ASSERT_TRUE(d.commit("/a/b/g", {v1[0], shared[0]}).ok());
  for (int i = 0; i < 6; ++i) d.put("/a/f", {static_cast<uint64_t>(i + 1)});
  d.put("/tmp", {1});
  d.apply(*d.state.validate_remove("/tmp"));
  // Small files stored inline: one kept, one moved into chunks, one in the trash.
  d.put_inline("/a/small", "inline bytes");
  d.put_inline("/a/moved", "to chunks");
  auto moved = d.allocate("/a/moved", {9});
  d.apply(*d.state.validate_materialize("/a/moved", 1, 1024, moved, t0()));
  d.put_inline("/a/gone", "trashed");
  d.apply(*d.state.validate_trash("/a/gone", 5000));
  d.allocate("/a/pending", {5, 5});  // uncommitted at the end
  // An allocation that expires and is abandoned.
  d.allocate("/a/dead", {5}, t0() - std::chrono::hours(1));
  auto ab = d.state.collect_expired(t0());
  ASSERT_TRUE(ab.has_value());
  ASSERT_EQ(ab->handles.size(), 1u);
  d.apply(*ab);
}

master_state replay(const std::vector<log_record>& log, size_t from, master_state st) {
  for (size_t i = from; i < log.size(); ++i) {
    auto ok = st.apply(log[i], t0());
    EXPECT_TRUE(ok.ok()) << "record " << i << ": " << ok.err().message;
  }
  return st;
}

}  // namespace

TEST(Snapshot, ReplayEqualsLive) {
  driver d;
  build_history(d);
  auto st = replay(d.log, 0, master_state{});
  EXPECT_EQ(st.canonical_dump(), d.state.canonical_dump());
  EXPECT_NE(d.state.canonical_dump().find("uncommitted"), std::string::npos);
}

TEST(Snapshot, CheckpointAtEveryPointPlusReplayEqualsLive) {
  driver d;
  build_history(d);
  for (size_t cut = 0; cut <= d.log.size(); ++cut) {
    master_state head;
    for (size_t i = 0; i < cut; ++i) ASSERT_TRUE(head.apply(d.log[i], t0()).ok());
    auto restored = master_state::from_snapshot(head.snapshot(), {}, t0());
    ASSERT_TRUE(restored.ok()) << restored.err().message;
    EXPECT_EQ(restored->canonical_dump(), head.canonical_dump()) << "cut " << cut;
    auto full = replay(d.log, cut, std::move(*restored));
    EXPECT_EQ(full.canonical_dump(), d.state.canonical_dump()) << "cut " << cut;
  }
}

TEST(Snapshot, RestoredStateKeepsWorking) {
  driver d;
  build_history(d);
  auto restored = master_state::from_snapshot(d.state.snapshot(), {}, t0());
  ASSERT_TRUE(restored.ok());
  // The pending upload gets a fresh grace period after the restart and can still commit.
  auto pending = d.state.chunks().uncommitted();
  ASSERT_FALSE(pending.empty());
  std::vector<chunk_meta> chunks;
  for (const auto& [h, deadline] : pending) chunks.push_back({chunk_handle{h}, 1, 5, 0});
  commit_request req{"/a/pending", 1, 1024, chunks};
  auto rec = restored->validate_commit(req, t0() + std::chrono::minutes(5));
  ASSERT_TRUE(rec.ok()) << rec.err().message;
  ASSERT_TRUE(restored->apply(*rec, t0()).ok());
  // New handles continue after the old ones.
  auto alloc = restored->validate_allocate("/a/x", 1);
  ASSERT_TRUE(alloc.ok());
  EXPECT_EQ(alloc->first, d.state.chunks().next_handle());
}

TEST(Snapshot, InconsistentSnapshotsAreRejected) {
  driver d;
  build_history(d);
  auto good = d.state.snapshot();
  auto bad = good;
  bad.files[0].versions[0].chunks.push_back(chunk_handle{424242});
  EXPECT_EQ(master_state::from_snapshot(bad, {}, t0()).err().code, errc::corrupt_state);
  bad = good;
  bad.chunks.push_back({chunk_handle{good.next_handle - 1}, 1, 1, 0});
  bad.uncommitted.clear();
  EXPECT_EQ(master_state::from_snapshot(bad, {}, t0()).err().code, errc::corrupt_state);
  bad = good;
  bad.next_handle = 2;
  EXPECT_EQ(master_state::from_snapshot(bad, {}, t0()).err().code, errc::corrupt_state);
  bad = good;
  bad.dirs.push_back("/a/../x");
  EXPECT_EQ(master_state::from_snapshot(bad, {}, t0()).err().code, errc::corrupt_state);
}

// A damaged log record that still passed its CRC is an error, not hours of allocating handles
// (oplog_fuzz found replay stuck in a 4-billion-handle allocation).
TEST(Snapshot, ReplayRefusesOversizedAllocations) {
  master_options opts;
  auto huge = allocate_record{chunk_handle{1}, opts.max_chunks_per_put + 1};
  EXPECT_EQ(master_state::replay({}, {huge}, opts, t0()).err().code, errc::corrupt_state);
  master_snapshot near_end;
  near_end.next_handle = std::numeric_limits<uint64_t>::max() - 1;
  auto wraps = allocate_record{chunk_handle{near_end.next_handle}, 2};
  EXPECT_EQ(master_state::replay(near_end, {wraps}, opts, t0()).err().code, errc::corrupt_state);
}
