// storage/sync_pacer: syncs are spaced only after the disk stalled, for `memory` after the last
// stall; a steady disk, fast or slow, is never paced; interval 0 never paces.
#include "storage/sync_pacer.hpp"

#include <gtest/gtest.h>

using dfs::sync_pacer;
using us = sync_pacer::us;

namespace {

// Syncs of `took` back to back from `t`; returns the time after the last.
us steady(sync_pacer& p, us t, us took, int n) {
  for (int i = 0; i < n; ++i) {
    p.on_sync(t, took);
    t += took;
  }
  return t;
}

}  // namespace

TEST(SyncPacer, AFastSteadyDiskIsNeverPaced) {
  sync_pacer p(us(2000));
  us t = steady(p, us(1000000), us(170), 1000);
  EXPECT_FALSE(p.pacing(t));
  EXPECT_EQ(p.next_start(t), t);
  EXPECT_EQ(p.stalls(), 0u);
  EXPECT_EQ(p.mean(), us(170));
}

TEST(SyncPacer, AStallSpacesSyncsUntilTheMemoryRunsOut) {
  sync_pacer p(us(2000));
  us t = steady(p, us(1000000), us(300), 100);
  p.on_sync(t, us(12000));  // the disk stalls
  t += us(12000);
  EXPECT_EQ(p.stalls(), 1u);
  ASSERT_TRUE(p.pacing(t));
  // Right after the stall the next sync may start 2 ms after the stalled one started, i.e. at once
  // (it took longer than that); after a normal sync it waits out the interval.
  EXPECT_EQ(p.next_start(t), t);
  p.on_sync(t, us(300));
  EXPECT_EQ(p.next_start(t + us(300)), t + us(2000));
  // Steady syncs after the stall keep pacing for `memory` after it, then it stops.
  us end_of_stall = t;
  t = steady(p, t + us(300), us(300), 10);
  EXPECT_TRUE(p.pacing(t));
  us later = end_of_stall + sync_pacer::memory;
  EXPECT_TRUE(p.pacing(later - us(1)));
  EXPECT_FALSE(p.pacing(later));
  EXPECT_EQ(p.next_start(later), later);
}

TEST(SyncPacer, EveryStallRenewsThePacing) {
  sync_pacer p(us(2000));
  us t = steady(p, us(0), us(300), 50);
  p.on_sync(t, us(15000));
  t += us(15000) + us(900000);
  t = steady(p, t, us(300), 10);
  p.on_sync(t, us(15000));
  t += us(15000);
  EXPECT_EQ(p.stalls(), 2u);
  EXPECT_TRUE(p.pacing(t + sync_pacer::memory - us(1)));
}

TEST(SyncPacer, ASlowButSteadyDiskIsNotAStall) {
  sync_pacer p(us(2000));
  us t = steady(p, us(0), us(8000), 200);  // a spinning disk's fsync
  EXPECT_EQ(p.stalls(), 0u);
  EXPECT_FALSE(p.pacing(t));
  // Nor is a slower sync below the floor, however many times the mean it is.
  sync_pacer q(us(2000));
  t = steady(q, us(0), us(100), 100);
  q.on_sync(t, us(1900));
  EXPECT_EQ(q.stalls(), 0u);
}

TEST(SyncPacer, TheFirstSyncSetsTheMeanAndIsNeverAStall) {
  sync_pacer p(us(2000));
  p.on_sync(us(0), us(50000));  // a cold first fsync
  EXPECT_EQ(p.stalls(), 0u);
  EXPECT_EQ(p.mean(), us(50000));
}

TEST(SyncPacer, IntervalZeroNeverPaces) {
  sync_pacer p(us(0));
  us t = steady(p, us(0), us(300), 50);
  p.on_sync(t, us(20000));
  t += us(20000);
  EXPECT_EQ(p.stalls(), 1u);  // still counted, for gcs-stats
  EXPECT_FALSE(p.pacing(t));
  EXPECT_EQ(p.next_start(t), t);
}
