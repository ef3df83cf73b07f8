// The master's repair scan visits only the chunks that may need a copy or a trim (chunks off the
// nominal replica count, hot chunks, chunks with a replica on a server that does not count),
// not every chunk each repair interval. These tests would fail if it missed one: each case
// leaves most chunks at their target, so the scan takes that path.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/master/master_core.hpp"
#include "unit/master/test_util.hpp"

namespace dfs::master {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int servers = 8;
constexpr uint64_t chunks = 80;
constexpr uint64_t unreported = chunks + 1;  // committed, held by no server

node_id server(int i) {
  return node_id{"127.0.0.1", static_cast<uint16_t>(17100 + 100 * i), 1};
}

bool holds(int server_index, uint64_t h) {
  for (uint64_t k = 0; k < 3; ++k)
    if (static_cast<int>((h + k) % servers) == server_index) return true;
  return false;
}

// A master of chunks 1..80 with 3 replicas each over 8 servers (chunk h on h, h+1, h+2 mod 8),
// and chunk 81, which no server reported.
struct ScanFixture {
  master_core c;
  core::time_point now = test::t0();
  uint64_t seq = 0;

  explicit ScanFixture(core_options o) : c(o, node_id{"127.0.0.1", 17000, 1}) {
    master_snapshot s;
    s.next_handle = unreported + 1;
    s.dirs.push_back("/d");
    file_snapshot f{"/d/f", 2, {}};
    version_info v;
    v.number = 1;
    v.chunk_size_bytes = 1024;
    for (uint64_t h = 1; h <= unreported; ++h) {
      v.chunks.push_back(chunk_handle{h});
      s.chunks.push_back({chunk_handle{h}, 1, 1024, 0});
      v.size_bytes += 1024;
    }
    f.versions.push_back(std::move(v));
    s.files.push_back(std::move(f));
    EXPECT_TRUE(c.recover(s, {}, now).ok());
    for (int i = 0; i < servers; ++i) {
      std::vector<chunk_report> held;
      for (uint64_t h = 1; h <= chunks; ++h)
        if (holds(i, h)) held.push_back({h, 1, 1024});
      master_effects fx;
      (void)c.on_register({server(i), 1, "", 1 << 30, 1 << 30, 0, held}, now, fx);
    }
  }
  void beat_all(const std::vector<chunk_report>& extra = {}, int extra_on = -1) {
    ++seq;
    for (int i = 0; i < servers; ++i) {
      master_effects fx;
      (void)c.on_heartbeat({server(i),
                            seq,
                            1 << 30,
                            1 << 30,
                            0,
                            i == extra_on ? extra : std::vector<chunk_report>{},
                            {},
                            {},
                            {},
                            {}},
                           now, fx);
    }
  }
  // A tick one repair interval on, every server heartbeating first: the scan's update.
  repair_update tick() {
    now += seconds(1);
    beat_all();
    auto fx = c.on_tick(now, 0);
    EXPECT_TRUE(fx.repair.has_value()) << "no plan a repair interval after the last";
    return fx.repair ? *fx.repair : repair_update{};
  }
};

std::vector<uint64_t> handles(const repair_update& u) {
  std::vector<uint64_t> out;
  for (auto& c : u.chunks) out.push_back(c.handle.value);
  return out;
}

core_options scan_options() {
  core_options o;
  o.meta.replication = 3;
  o.hot_max_replicas = 4;
  return o;
}

TEST(RepairScan, OnlyTheUnreportedChunkIsBelowTargetWhileEveryServerIsHealthy) {
  ScanFixture f(scan_options());
  EXPECT_EQ(handles(f.tick()), std::vector<uint64_t>{unreported});
}

TEST(RepairScan, ADeadServersChunksAreListedInHandleOrder) {
  ScanFixture f(scan_options());
  f.now += milliseconds(100);
  auto fx = f.c.on_member_down(server(3), false, f.now);
  ASSERT_TRUE(fx.repair.has_value());
  std::vector<uint64_t> want;
  for (uint64_t h = 1; h <= unreported; ++h)
    if (h == unreported || holds(3, h)) want.push_back(h);
  EXPECT_EQ(want.size(), 31u);  // fewer than half the chunks: not a walk over all of them
  EXPECT_EQ(handles(*fx.repair), want);
  for (auto& c : fx.repair->chunks) EXPECT_EQ(c.target, 3u);
}

TEST(RepairScan, AHotChunkAtTheNominalCountIsListedWithTheHotTarget) {
  ScanFixture f(scan_options());
  f.c.set_hot_chunks({17});
  auto u = f.tick();
  EXPECT_EQ(handles(u), (std::vector<uint64_t>{17, unreported}));
  EXPECT_EQ(u.chunks.at(0).target, 4u);
  EXPECT_TRUE(u.chunks.at(0).hot);
}

TEST(RepairScan, ASurplusReplicaIsTrimmed) {
  ScanFixture f(scan_options());
  // Server 5 does not hold chunk 9 (9, 10, 11 mod 8 are 1, 2, 3) and reports a copy of it.
  ASSERT_FALSE(holds(5, 9));
  f.beat_all({{9, 1, 1024}}, 5);
  ASSERT_EQ(f.c.meta().chunks().find(chunk_handle{9})->replicas.size(), 4u);
  (void)f.tick();
  EXPECT_EQ(f.c.meta().chunks().find(chunk_handle{9})->replicas.size(), 3u);
  EXPECT_FALSE(f.c.meta().chunks().off_nominal().contains(9));
}

// The index the scan relies on: off_nominal() is exactly the committed chunks whose replica
// count is not the nominal one, through every way a replica set changes.
TEST(RepairScan, OffNominalFollowsEveryReplicaChange) {
  test::driver d;
  auto made = d.put("/f", std::vector<uint64_t>(12, 10));
  auto freed = d.put("/g", std::vector<uint64_t>(4, 10));  // removed half-way
  made.insert(made.end(), freed.begin(), freed.end());
  std::mt19937 rng(7);
  auto& state = d.state;
  auto check = [&](int step) {
    std::set<uint64_t> want;
    for (auto& [h, e] : state.chunks().chunks())
      if (e.replicas.size() != state.options().replication) want.insert(h);
    std::set<uint64_t> got;
    for (auto h : state.chunks().off_nominal()) got.insert(h);
    ASSERT_EQ(got, want) << "after step " << step;
    ASSERT_EQ(state.chunks().off_nominal().size(), want.size()) << "after step " << step;
  };
  check(-1);
  for (int step = 0; step < 400; ++step) {
    if (step == 200) {
      auto rm = state.validate_remove("/g");
      ASSERT_TRUE(rm.ok()) << rm.err().message;
      d.apply(*rm);
      for (auto& m : freed) ASSERT_EQ(state.chunks().find(m.handle), nullptr);
      check(step);
    }
    auto& m = made[rng() % made.size()];
    auto n = node_id{"127.0.0.1", static_cast<uint16_t>(1 + rng() % 5), 1};
    switch (rng() % 4) {
      case 0:
        (void)state.on_incremental_report(n, {{m.handle, m.chunk_version, m.size_bytes}}, {},
                                          test::t0());
        break;
      case 1:
        state.drop_replica(m.handle, n);
        break;
      case 2:
        if (rng() % 8 == 0) state.on_node_down(n);
        break;
      default: {
        std::vector<chunk_report_entry> held;
        for (auto& x : made)
          if (rng() % 2) held.push_back({x.handle, x.chunk_version, x.size_bytes});
        (void)state.on_full_report(n, held, test::t0());
      }
    }
    check(step);
  }
}

}  // namespace
}  // namespace dfs::master
