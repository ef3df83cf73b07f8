// Chunk locations from chunkserver reports: replica sets, stale replicas, orphans and the grace
// of allocated-but-uncommitted handles, under-replication.
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/master/test_util.hpp"

using namespace dfs::master;
using namespace dfs::master::test;

namespace {

dfs::node_id cs(uint16_t port) {
  return dfs::node_id{"127.0.0.1", port, 1};
}

chunk_report_entry entry(const chunk_meta& m) {
  return {m.handle, m.chunk_version, m.size_bytes};
}

bool contains(const std::vector<chunk_handle>& v, chunk_handle h) {
  return std::find(v.begin(), v.end(), h) != v.end();
}

}  // namespace

TEST(Reports, FullReportBuildsReplicaSets) {
  driver d;
  auto c = d.put("/f", {10, 20});
  EXPECT_TRUE(d.state.on_full_report(cs(1), {entry(c[0]), entry(c[1])}, t0()).to_delete.empty());
  EXPECT_TRUE(d.state.on_full_report(cs(2), {entry(c[0])}, t0()).to_delete.empty());
  auto lay = d.state.layout("/f");
  ASSERT_TRUE(lay.ok());
  EXPECT_EQ(lay->chunks[0].replicas.size(), 2u);
  EXPECT_EQ(lay->chunks[1].replicas.size(), 1u);
  // A new full report replaces the node's old one.
  d.state.on_full_report(cs(1), {entry(c[1])}, t0());
  EXPECT_EQ(d.state.layout("/f")->chunks[0].replicas, std::vector<dfs::node_id>{cs(2)});
  EXPECT_EQ(d.state.chunks().chunks_on(cs(1)), 1u);
}

// An older version with the right size missed a version bump (no mutation changes a chunk's
// bytes yet): behind — counted, not deleted (deleting could lose the chunk when every replica
// missed the bump, see chunk_table::judge). A wrong size is stale.
TEST(Reports, OlderVersionIsBehindAndWrongSizeIsDeleted) {
  driver d;
  auto c = d.put("/f", {10});
  auto behind = entry(c[0]);
  behind.chunk_version = 0;
  auto b = d.state.on_full_report(cs(1), {behind}, t0());
  EXPECT_TRUE(b.to_delete.empty());
  EXPECT_TRUE(contains(b.behind, c[0].handle));
  EXPECT_EQ(d.state.layout("/f")->chunks[0].replicas, std::vector<dfs::node_id>{cs(1)});
  d.state.on_full_report(cs(1), {}, t0());
  auto wrong = entry(c[0]);
  wrong.size_bytes = 11;
  EXPECT_TRUE(contains(d.state.on_full_report(cs(2), {wrong}, t0()).to_delete, c[0].handle));
  auto newer = entry(c[0]);
  newer.chunk_version = 5;
  auto r = d.state.on_full_report(cs(3), {newer}, t0());
  EXPECT_TRUE(r.to_delete.empty());
  EXPECT_TRUE(contains(r.newer_than_master, c[0].handle));
  EXPECT_TRUE(d.state.layout("/f")->chunks[0].replicas.empty());
}

TEST(Reports, OrphanGrace) {
  master_options opts;
  opts.handle_grace = std::chrono::seconds(30);
  driver d{opts};
  auto pending = d.allocate("/f", {10});
  chunk_report_entry never_allocated{chunk_handle{12345}, 1, 10};
  // Within the grace an uncommitted handle is a put in flight, not an orphan.
  auto r = d.state.on_full_report(cs(1), {entry(pending[0]), never_allocated}, t0());
  EXPECT_FALSE(contains(r.to_delete, pending[0].handle));
  EXPECT_TRUE(contains(r.to_delete, never_allocated.handle));
  // After the grace it is.
  auto later = t0() + std::chrono::seconds(30);
  r = d.state.on_full_report(cs(1), {entry(pending[0])}, later);
  EXPECT_TRUE(contains(r.to_delete, pending[0].handle));
  // Chunks freed by rm are orphans at once.
  auto c = d.put("/g", {5});
  d.apply(*d.state.validate_remove("/g"));
  r = d.state.on_incremental_report(cs(2), {entry(c[0])}, {}, t0());
  EXPECT_TRUE(contains(r.to_delete, c[0].handle));
}

TEST(Reports, IncrementalCorruptAndNodeDown) {
  driver d;
  auto c = d.put("/f", {10});
  d.state.note_replicas(c[0].handle, {cs(1), cs(2), cs(3)});
  EXPECT_TRUE(d.state.under_replicated().empty());
  EXPECT_EQ(d.state.under_replicated_count(), 0u);
  d.state.note_replicas(c[0].handle, {cs(1), cs(2), cs(3), cs(4)});
  EXPECT_EQ(d.state.under_replicated_count(), 0u) << "over the target is not under it";
  d.state.drop_replica(c[0].handle, cs(4));
  d.state.drop_replica(c[0].handle, cs(2));
  auto under = d.state.under_replicated();
  ASSERT_EQ(under.size(), 1u);
  EXPECT_EQ(d.state.under_replicated_count(), 1u);
  EXPECT_EQ(under[0].replica_count, 2u);
  d.state.on_incremental_report(cs(1), {}, {c[0].handle}, t0());
  d.state.on_node_down(cs(3));
  EXPECT_EQ(d.state.under_replicated()[0].replica_count, 0u);
  d.state.on_incremental_report(cs(4), {entry(c[0])}, {}, t0());
  EXPECT_EQ(d.state.layout("/f")->chunks[0].replicas, std::vector<dfs::node_id>{cs(4)});
}

TEST(Reports, UnderReplicatedFewestFirst) {
  driver d;
  auto a = d.put("/a", {1});
  auto b = d.put("/b", {1});
  auto c = d.put("/c", {1});
  d.state.note_replicas(a[0].handle, {cs(1), cs(2)});
  d.state.note_replicas(c[0].handle, {cs(1), cs(2), cs(3)});
  auto under = d.state.under_replicated();
  ASSERT_EQ(under.size(), 2u);
  EXPECT_EQ(under[0].handle, b[0].handle);
  EXPECT_EQ(under[0].replica_count, 0u);
  EXPECT_EQ(under[1].handle, a[0].handle);
}
