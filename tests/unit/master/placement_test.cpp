#include "core/master/placement.hpp"

#include <gtest/gtest.h>

using namespace dfs::master;

namespace {

dfs::node_id cs(uint16_t port) {
  return dfs::node_id{"10.0.0.1", port, 1};
}

placement_candidate cand(uint16_t port, uint64_t free, uint32_t load = 0, bool healthy = true,
                         std::string zone = "") {
  return {cs(port), free, load, healthy, std::move(zone)};
}

}  // namespace

TEST(Placement, MostFreeFirstNeverUnhealthy) {
  std::vector<placement_candidate> c{cand(1, 100), cand(2, 500), cand(3, 900, 0, false),
                                     cand(4, 300), cand(5, 200)};
  EXPECT_EQ(place(3, c), (std::vector<dfs::node_id>{cs(2), cs(4), cs(5)}));
}

TEST(Placement, DeterministicTieBreaks) {
  std::vector<placement_candidate> c{cand(3, 100, 1), cand(2, 100, 0), cand(1, 100, 1)};
  EXPECT_EQ(place(3, c), (std::vector<dfs::node_id>{cs(2), cs(1), cs(3)}));
  std::reverse(c.begin(), c.end());
  EXPECT_EQ(place(3, c), (std::vector<dfs::node_id>{cs(2), cs(1), cs(3)}));
}

TEST(Placement, DistinctServersAndTooFew) {
  std::vector<placement_candidate> c{cand(1, 100), cand(1, 100), cand(2, 50)};
  EXPECT_EQ(place(3, c), (std::vector<dfs::node_id>{cs(1), cs(2)}));
  EXPECT_TRUE(place(3, {cand(1, 100, 0, false)}).empty());
  EXPECT_EQ(place(2, c, {cs(1)}), std::vector<dfs::node_id>{cs(2)});
}

TEST(Placement, SpreadsOverZones) {
  std::vector<placement_candidate> c{cand(1, 900, 0, true, "a"), cand(2, 800, 0, true, "a"),
                                     cand(3, 100, 0, true, "b"), cand(4, 50, 0, true, "c")};
  EXPECT_EQ(place(3, c), (std::vector<dfs::node_id>{cs(1), cs(3), cs(4)}));
  EXPECT_EQ(place(4, c), (std::vector<dfs::node_id>{cs(1), cs(3), cs(4), cs(2)}));
}

TEST(Placement, ManyChunksSpread) {
  std::vector<placement_candidate> c{cand(1, 1000), cand(2, 1000), cand(3, 1000), cand(4, 1000)};
  auto p = place_chunks(4, 3, 100, c);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], (std::vector<dfs::node_id>{cs(1), cs(2), cs(3)}));
  // Server 4 now has the most free space and comes first.
  EXPECT_EQ(p[1][0], cs(4));
  for (const auto& r : p) EXPECT_EQ(r.size(), 3u);
}
