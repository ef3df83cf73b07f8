// hot_chunks: a chunk read faster than hot_reads_per_s over a window is hot (target
// max_replicas), stays hot while windows stay hot, and is forgotten after cool_down.
#include "core/master/hot_chunks.hpp"

#include <gtest/gtest.h>

namespace dfs::master {
namespace {

using namespace std::chrono_literals;

core::time_point at(core::duration d) {
  return core::time_point{} + d;
}

TEST(HotChunks, AChunkReadFastBecomesHotAndCoolsDownAfterTheCoolDown) {
  hot_chunks hc({10, 5, 6s, 2s, 100});
  chunk_handle h{7};
  // 15 reads/s for one window: hot when the window closes.
  for (int s = 0; s < 2; ++s) hc.on_reads(h, 15, at(std::chrono::seconds(s)));
  EXPECT_FALSE(hc.hot(h)) << "hot before its window closed";
  hc.on_tick(at(2s));
  EXPECT_TRUE(hc.hot(h));
  EXPECT_EQ(hc.target(h, 3), 5u);
  EXPECT_EQ(hc.target(chunk_handle{8}, 3), 3u);
  // Quiet: still hot until cool_down after the last hot window, then forgotten.
  hc.on_tick(at(7s));
  EXPECT_TRUE(hc.hot(h));
  hc.on_tick(at(8s));
  EXPECT_FALSE(hc.hot(h));
  EXPECT_TRUE(hc.hot_list().empty());
}

TEST(HotChunks, SlowReadsNeverMakeAChunkHotAndTrackingIsBounded) {
  hot_chunks hc({10, 5, 6s, 2s, 2});
  for (int s = 0; s < 20; ++s) {
    hc.on_reads(chunk_handle{1}, 5, at(std::chrono::seconds(s)));  // 5/s
    hc.on_tick(at(std::chrono::seconds(s)));
  }
  EXPECT_FALSE(hc.hot(chunk_handle{1}));
  // At most max_tracked chunks are counted: a third one is ignored, however hot.
  hc.on_reads(chunk_handle{2}, 1, at(20s));
  hc.on_reads(chunk_handle{3}, 1000, at(20s));
  hc.on_tick(at(23s));
  EXPECT_FALSE(hc.hot(chunk_handle{3}));
  EXPECT_EQ(hc.target(chunk_handle{3}, 3), 3u);
}

}  // namespace
}  // namespace dfs::master
