// Whole-storage simulation: master core + chunkserver link cores + clients over a lossy
// simulated network with crashing disks (storage_world.hpp lists the invariants).
// DFS_SIM_SEED=n replays one run; DFS_SIM_RUNS=n sets the sweep size (scripts/sim storage).
#include <gtest/gtest.h>

#include "sim/common/sanitized.hpp"
#include "sim/storage/storage_world.hpp"

namespace dfs::sim::storage_world {
namespace {

void sweep(uint64_t runs, uint64_t base, world_options opts, world::coverage& total) {
  for (auto seed : sweep_seeds(runs, base)) {
    SCOPED_TRACE("seed=" + std::to_string(seed) + " (replay: DFS_SIM_SEED=" + std::to_string(seed) +
                 ")");
    world w(seed, opts);
    w.run();
    ASSERT_EQ(w.failure(), "") << w.summary();
    auto& c = w.covered();
    total.puts_acked += c.puts_acked;
    total.gets_ok += c.gets_ok;
    total.master_crashes += c.master_crashes;
    total.chunkserver_crashes += c.chunkserver_crashes;
    total.torn_records += c.torn_records;
    total.checkpoints += c.checkpoints;
    total.replay_checks += c.replay_checks;
    total.removes_acked += c.removes_acked;
    total.commit_retries += c.commit_retries;
    total.inline_puts += c.inline_puts;
    total.stats_cached += c.stats_cached;
    total.stats_asked += c.stats_asked;
    total.copies_acked += c.copies_acked;
    total.copy_retries += c.copy_retries;
    total.copy_gets += c.copy_gets;
  }
}

// The sweep must exercise what the invariants are about, or passing means nothing.
void expect_coverage(const world::coverage& c) {
  if (std::getenv("DFS_SIM_SEED") != nullptr) return;  // one replayed run proves nothing broad
  EXPECT_GT(c.puts_acked, 0u);
  EXPECT_GT(c.gets_ok, 0u);
  EXPECT_GT(c.master_crashes, 0u);
  EXPECT_GT(c.chunkserver_crashes, 0u);
  EXPECT_GT(c.torn_records, 0u);
  EXPECT_GT(c.checkpoints, 0u);
  EXPECT_GT(c.replay_checks, 0u);
  EXPECT_GT(c.commit_retries, 0u);
  EXPECT_GT(c.inline_puts, 0u);
  EXPECT_GT(c.stats_cached, 0u);
  EXPECT_GT(c.stats_asked, 0u);
  EXPECT_GT(c.copies_acked, 0u);
  EXPECT_GT(c.copy_retries, 0u);
  EXPECT_GT(c.copy_gets, 0u);
}

// Under ASan/UBSan (scripts/test --sanitize) a run is ~10x slower: a quarter of the sweep keeps
// the test inside its 300 s ctest timeout (the full sweep runs in the normal build).
constexpr uint64_t crash_sweep_runs = sanitized_build ? 50 : 200;

TEST(StorageSim, CrashesLossAndDuplicationNeverLoseAnAcknowledgedVersion) {
  world::coverage total;
  world_options opts;
  sweep(crash_sweep_runs, 1, opts, total);
  expect_coverage(total);
}

TEST(StorageSim, HeavyChurnWithReplicationTwo) {
  world::coverage total;
  world_options opts;
  opts.chunkservers = 3;
  opts.replication = 2;
  opts.write_quorum = 2;
  opts.loss = 0.1;
  opts.duplicate = 0.1;
  opts.master_crashes_per_s = 1.0;
  opts.chunkserver_crashes_per_s = 1.0;
  opts.duration = milliseconds(8000);
  sweep(100, 100001, opts, total);
  expect_coverage(total);
}

}  // namespace
}  // namespace dfs::sim::storage_world
