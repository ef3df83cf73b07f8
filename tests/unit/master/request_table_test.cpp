// request_table: remembered results, the bounds (per client, LRU over clients), checkpoints.
#include "core/master/request_table.hpp"

#include <gtest/gtest.h>

namespace dfs::master {
namespace {

request_outcome version(uint64_t v) {
  request_outcome o;
  o.version = v;
  return o;
}

TEST(RequestTable, RemembersResultsByClientAndRequestNumber) {
  request_table t;
  EXPECT_EQ(t.find({7, 1}).st, request_table::state::unknown);
  t.remember({7, 1}, version(3));
  auto f = t.find({7, 1});
  ASSERT_EQ(f.st, request_table::state::done);
  EXPECT_EQ(f.outcome->version, 3u);
  EXPECT_EQ(t.find({7, 2}).st, request_table::state::unknown);
  EXPECT_EQ(t.find({8, 1}).st, request_table::state::unknown);
  // Untagged requests (an older client) are never remembered.
  t.remember({0, 5}, version(1));
  t.remember({9, 0}, version(1));
  EXPECT_EQ(t.clients(), 1u);
  EXPECT_EQ(t.find({0, 5}).st, request_table::state::unknown);
}

TEST(RequestTable, KeepsTheNewestResultsPerClientAndSaysWhichAreForgotten) {
  request_table t{{3, 100}};
  for (uint64_t seq = 1; seq <= 5; ++seq) t.remember({7, seq}, version(seq));
  EXPECT_EQ(t.results(), 3u);
  EXPECT_EQ(t.find({7, 1}).st, request_table::state::forgotten);
  EXPECT_EQ(t.find({7, 2}).st, request_table::state::forgotten);
  EXPECT_EQ(t.find({7, 3}).st, request_table::state::done);
  EXPECT_EQ(t.find({7, 5}).st, request_table::state::done);
  EXPECT_EQ(t.find({7, 6}).st, request_table::state::unknown);
}

TEST(RequestTable, DropsTheLeastRecentlyActiveClientBeyondTheCap) {
  request_table t{{10, 2}};
  t.remember({1, 1}, version(1));
  t.remember({2, 1}, version(1));
  t.remember({1, 2}, version(2));  // client 1 is now the most recent
  t.remember({3, 1}, version(1));  // over the cap: client 2 goes
  EXPECT_EQ(t.clients(), 2u);
  EXPECT_EQ(t.find({2, 1}).st, request_table::state::unknown);
  EXPECT_EQ(t.find({1, 1}).st, request_table::state::done);
  EXPECT_EQ(t.find({3, 1}).st, request_table::state::done);
}

TEST(RequestTable, ASnapshotRestoresTheSameTableInTheSameOrder) {
  request_table t{{2, 3}};
  request_outcome mv;
  mv.path = "/to";
  t.remember({5, 1}, version(1));
  t.remember({6, 1}, mv);
  t.remember({5, 2}, version(2));
  t.remember({5, 3}, version(3));  // forgets 5/1
  auto snap = t.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].client, 6u) << "least recently used first";
  EXPECT_EQ(snap[1].forgotten_through, 1u);
  auto back = request_table::restore(snap, {2, 3});
  auto again = back.snapshot();
  ASSERT_EQ(again.size(), snap.size());
  for (size_t i = 0; i < snap.size(); ++i) {
    EXPECT_EQ(again[i].client, snap[i].client);
    EXPECT_EQ(again[i].forgotten_through, snap[i].forgotten_through);
    ASSERT_EQ(again[i].done.size(), snap[i].done.size());
    for (size_t j = 0; j < snap[i].done.size(); ++j) {
      EXPECT_EQ(again[i].done[j].seq, snap[i].done[j].seq);
      EXPECT_EQ(again[i].done[j].outcome, snap[i].done[j].outcome);
    }
  }
  EXPECT_EQ(back.find({5, 1}).st, request_table::state::forgotten);
  EXPECT_EQ(back.find({6, 1}).outcome->path, "/to");
  // The LRU order survived: one more client evicts 6, the least recent.
  back.remember({7, 1}, version(1));
  back.remember({8, 1}, version(1));
  EXPECT_EQ(back.find({6, 1}).st, request_table::state::unknown);
  // Smaller bounds than the checkpoint's: trimmed on restore.
  auto small = request_table::restore(snap, {1, 1});
  EXPECT_EQ(small.clients(), 1u);
  EXPECT_EQ(small.results(), 1u);
  EXPECT_EQ(small.find({5, 3}).st, request_table::state::done);
  EXPECT_EQ(small.find({5, 2}).st, request_table::state::forgotten);
}

}  // namespace
}  // namespace dfs::master
