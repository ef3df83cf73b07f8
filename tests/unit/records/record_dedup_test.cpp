#include "core/records/record_dedup.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

using namespace dfs::records;

namespace {

TEST(RecordDedup, DuplicatesReportedOnce) {
  record_dedup d;
  EXPECT_TRUE(d.first_time({1, 1}));
  EXPECT_TRUE(d.first_time({1, 2}));
  EXPECT_TRUE(d.first_time({2, 1}));  // same seq, another client: another record
  EXPECT_FALSE(d.first_time({1, 1}));
  EXPECT_FALSE(d.first_time({1, 2}));
  EXPECT_FALSE(d.first_time({2, 1}));
  EXPECT_TRUE(d.seen({1, 2}));
  EXPECT_FALSE(d.seen({1, 3}));
}

TEST(RecordDedup, InOrderSequencesCostOneInterval) {
  record_dedup d;
  for (uint64_t s = 1; s <= 10000; ++s) ASSERT_TRUE(d.first_time({7, s}));
  EXPECT_EQ(d.interval_count(), 1u);
  EXPECT_FALSE(d.first_time({7, 5000}));
}

TEST(RecordDedup, GapsFillAndMerge) {
  record_dedup d;
  EXPECT_TRUE(d.first_time({1, 5}));
  EXPECT_TRUE(d.first_time({1, 3}));
  EXPECT_EQ(d.interval_count(), 2u);
  EXPECT_FALSE(d.seen({1, 4}));
  EXPECT_TRUE(d.first_time({1, 4}));
  EXPECT_EQ(d.interval_count(), 1u);
  EXPECT_TRUE(d.first_time({1, 2}));
  EXPECT_TRUE(d.first_time({1, 6}));
  EXPECT_EQ(d.interval_count(), 1u);
  for (uint64_t s = 2; s <= 6; ++s) EXPECT_FALSE(d.first_time({1, s}));
}

TEST(RecordDedup, ExtremeSequences) {
  record_dedup d;
  EXPECT_TRUE(d.first_time({1, 0}));
  EXPECT_TRUE(d.first_time({1, UINT64_MAX}));
  EXPECT_TRUE(d.first_time({1, UINT64_MAX - 1}));
  EXPECT_TRUE(d.first_time({1, 1}));
  EXPECT_EQ(d.interval_count(), 2u);
  EXPECT_FALSE(d.first_time({1, UINT64_MAX}));
  EXPECT_FALSE(d.seen({1, 2}));
}

// Property: in any arrival order with duplicates, first_time agrees with a plain set.
TEST(RecordDedup, AgreesWithASet) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    record_dedup d;
    std::set<record_id> model;
    for (int k = 0; k < 500; ++k) {
      record_id id{rng() % 3, rng() % 64};
      ASSERT_EQ(d.first_time(id), model.insert(id).second) << "round " << round;
    }
  }
}

}  // namespace
