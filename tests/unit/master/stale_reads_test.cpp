// Stale reads (client --stale-ok): what a standby master answers from its committed metadata,
// and when it refuses to answer at all.
#include <gtest/gtest.h>

#include "core/master/stale_reads.hpp"
#include "unit/master/test_util.hpp"

using namespace dfs::master;
using namespace dfs::master::test;
using dfs::stale_op;

namespace {

dfs::node_id cs(uint16_t port) {
  return dfs::node_id{"127.0.0.1", port, 1};
}

}  // namespace

TEST(StaleReads, ListAndStatAnswerLikeTheActiveMaster) {
  driver d;
  d.mkdir("/docs");
  d.put("/docs/a", {100, 50});
  d.put("/docs/a", {7});
  auto ls = stale_read(d.state, {stale_op::list, "/docs", 0}, {});
  ASSERT_EQ(ls.status, errc::ok) << ls.error;
  ASSERT_EQ(ls.entries.size(), 1u);
  EXPECT_EQ(ls.entries[0].name, "a");
  EXPECT_EQ(ls.entries[0].size_bytes, 7u);
  EXPECT_EQ(ls.entries[0].version_count, 2u);

  auto st = stale_read(d.state, {stale_op::stat, "/docs/a", 0}, {});
  ASSERT_EQ(st.status, errc::ok) << st.error;
  ASSERT_EQ(st.versions.size(), 1u);
  EXPECT_EQ(st.versions[0].number, 2u);
  EXPECT_EQ(st.versions[0].size_bytes, 7u);

  auto dir = stale_read(d.state, {stale_op::stat, "/docs", 0}, {});
  ASSERT_EQ(dir.status, errc::ok);
  EXPECT_TRUE(dir.entries.at(0).is_dir);
}

TEST(StaleReads, ErrorsAreTheMastersOwn) {
  driver d;
  auto missing = stale_read(d.state, {stale_op::stat, "/nope", 0}, {});
  EXPECT_EQ(missing.status, errc::not_found);
  EXPECT_NE(missing.error.find("/nope"), std::string::npos) << missing.error;
  auto bad = stale_read(d.state, {stale_op::list, "relative//x", 0}, {});
  EXPECT_NE(bad.status, errc::ok);
  EXPECT_NE(bad.error.find("not absolute"), std::string::npos) << bad.error;
  auto unknown = stale_read(d.state, {static_cast<stale_op>(9), "/", 0}, {});
  EXPECT_EQ(unknown.status, errc::invalid_argument);
  EXPECT_NE(unknown.error.find("unknown stale read operation 9"), std::string::npos);
}

TEST(StaleReads, LayoutNamesKnownReplicasFirstThenEveryLiveChunkserverOnce) {
  driver d;
  auto chunks = d.put("/f", {100, 200});
  // A version that is not the newest, by number.
  d.put("/f", {300});
  d.state.on_full_report(cs(7002), {{chunks[0].handle, 1, 100}}, t0());
  auto l = stale_read(d.state, {stale_op::layout, "/f", 1}, {cs(7000), cs(7002), cs(7004)});
  ASSERT_EQ(l.status, errc::ok) << l.error;
  ASSERT_EQ(l.versions.at(0).number, 1u);
  ASSERT_EQ(l.chunks.size(), 2u);
  EXPECT_EQ(l.chunks[0].handle, chunks[0].handle.value);
  EXPECT_EQ(l.chunks[0].crc32c, chunks[0].crc32c);
  ASSERT_EQ(l.chunks[0].replicas.size(), 3u);
  EXPECT_EQ(l.chunks[0].replicas[0].id.port, 7002);  // the replica it knows of
  EXPECT_EQ(l.chunks[0].replicas[0].data_port, 7003);
  EXPECT_EQ(l.chunks[0].replicas[1].id.port, 7000);
  EXPECT_EQ(l.chunks[0].replicas[2].id.port, 7004);
  EXPECT_EQ(l.chunks[1].replicas.size(), 3u);

  auto gone = stale_read(d.state, {stale_op::layout, "/f", 9}, {});
  EXPECT_EQ(gone.status, errc::not_found);
}

TEST(StaleReads, AStandbyAnswersOnlyWhileItHeardFromAnActiveMasterRecently) {
  auto now = t0();
  auto never = stale_refusal(std::nullopt, now, 1000);
  EXPECT_NE(never.find("not heard from an active master"), std::string::npos) << never;
  EXPECT_EQ(stale_refusal(now - std::chrono::milliseconds(1000), now, 1000), "");
  EXPECT_EQ(stale_refusal(now, now, 1), "");
  auto old = stale_refusal(now - std::chrono::milliseconds(1500), now, 1000);
  EXPECT_NE(old.find("1500 ms ago"), std::string::npos) << old;
  EXPECT_NE(old.find("master.stale_read_max_ms = 1000"), std::string::npos) << old;
}
