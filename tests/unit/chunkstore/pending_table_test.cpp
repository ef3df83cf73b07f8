#include "core/chunkstore/pending_table.hpp"

#include <gtest/gtest.h>

using namespace dfs::chunkstore;
using namespace std::chrono;

namespace {

dfs::core::time_point at(int seconds) {
  return dfs::core::time_point{} + std::chrono::seconds(seconds);
}

}  // namespace

TEST(PendingTable, StartAddFinish) {
  pending_table t;
  ASSERT_TRUE(t.start(data_id{1}, chunk_handle{10}, 1, 100, at(0)).ok());
  EXPECT_EQ(t.finish(data_id{1}).err().code, errc::invalid_argument);  // incomplete
  ASSERT_TRUE(t.add_bytes(data_id{1}, 60, at(1)).ok());
  EXPECT_EQ(t.add_bytes(data_id{1}, 41, at(1)).err().code, errc::invalid_argument);
  ASSERT_TRUE(t.add_bytes(data_id{1}, 40, at(2)).ok());
  auto e = t.finish(data_id{1});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->handle, chunk_handle{10});
  EXPECT_EQ(e->received_bytes, 100u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.total_declared_bytes(), 0u);
  EXPECT_EQ(t.finish(data_id{1}).err().code, errc::not_found);
  EXPECT_EQ(t.add_bytes(data_id{9}, 1, at(2)).err().code, errc::not_found);
}

TEST(PendingTable, DuplicateAndOversize) {
  pending_table t;
  ASSERT_TRUE(t.start(data_id{1}, chunk_handle{10}, 1, 0, at(0)).ok());
  EXPECT_EQ(t.start(data_id{1}, chunk_handle{11}, 1, 5, at(0)).err().code, errc::invalid_argument);
  EXPECT_EQ(t.start(data_id{2}, chunk_handle{11}, 1, dfs::limits::max_chunk_size_bytes + 1, at(0))
                .err()
                .code,
            errc::invalid_argument);
  EXPECT_TRUE(t.finish(data_id{1}).ok());  // an empty chunk is complete at once
}

TEST(PendingTable, ExpiresTenMinutesAfterLastActivity) {
  pending_table t;
  ASSERT_TRUE(t.start(data_id{1}, chunk_handle{10}, 1, 100, at(0)).ok());
  ASSERT_TRUE(t.start(data_id{2}, chunk_handle{11}, 1, 100, at(0)).ok());
  ASSERT_TRUE(t.add_bytes(data_id{2}, 10, at(300)).ok());  // activity restarts the clock
  EXPECT_TRUE(t.on_tick(at(599)).empty());
  auto expired = t.on_tick(at(600));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], data_id{1});
  EXPECT_EQ(t.find(data_id{1}), nullptr);
  EXPECT_EQ(t.add_bytes(data_id{1}, 1, at(600)).err().code, errc::not_found);
  EXPECT_TRUE(t.on_tick(at(899)).empty());
  EXPECT_EQ(t.on_tick(at(900)).size(), 1u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.total_declared_bytes(), 0u);
}

TEST(PendingTable, Limits) {
  pending_limits limits;
  limits.max_entries = 2;
  limits.max_total_bytes = 150;
  limits.ttl = seconds(5);
  pending_table t{limits};
  ASSERT_TRUE(t.start(data_id{1}, chunk_handle{1}, 1, 100, at(0)).ok());
  EXPECT_EQ(t.start(data_id{2}, chunk_handle{2}, 1, 51, at(0)).err().code, errc::busy);
  ASSERT_TRUE(t.start(data_id{2}, chunk_handle{2}, 1, 50, at(0)).ok());
  EXPECT_EQ(t.start(data_id{3}, chunk_handle{3}, 1, 0, at(0)).err().code, errc::busy);
  EXPECT_TRUE(t.cancel(data_id{1}));
  EXPECT_FALSE(t.cancel(data_id{1}));
  EXPECT_TRUE(t.start(data_id{3}, chunk_handle{3}, 1, 100, at(0)).ok());
  EXPECT_EQ(t.on_tick(at(5)).size(), 2u);
}
