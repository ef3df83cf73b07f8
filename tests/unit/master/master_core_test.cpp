// master_core's effects: group commit, replies held until durable, journal failure, put checks.
#include "core/master/master_core.hpp"

#include <gtest/gtest.h>

#include "unit/master/test_util.hpp"

namespace dfs::master {
namespace {

using test::t0;

node_id cs(uint16_t port) {
  return node_id{"127.0.0.1", port, 1};
}

master_core make_core() {
  core_options o;
  o.write_quorum = 2;
  o.meta.replication = 3;
  o.default_chunk_size_bytes = 1024;
  master_core c(o, node_id{"127.0.0.1", 17000, 1});
  EXPECT_TRUE(c.recover({}, {}, t0()).ok());
  for (uint16_t p : {17100, 17200, 17300}) {
    master_effects fx;
    (void)c.on_register({cs(p), static_cast<uint16_t>(p + 1), "", 1 << 30, 1 << 30, 0, {}}, t0(),
                        fx);
  }
  return c;
}

const ns_reply* ns_of(const master_effects& fx, request_token t) {
  for (auto& r : fx.replies)
    if (r.token == t) return std::get_if<ns_reply>(&r.reply);
  return nullptr;
}

TEST(MasterCore, AMutationIsAnsweredOnlyOnceItsBatchIsDurable) {
  auto c = make_core();
  auto fx = c.on_request(1, {ns_op::mkdir, "/a"}, t0());
  EXPECT_TRUE(fx.replies.empty());
  EXPECT_TRUE(fx.flush);
  // A second mutation joins the open batch and does not ask for another flush.
  auto fx2 = c.on_request(2, {ns_op::mkdir, "/b"}, t0());
  EXPECT_FALSE(fx2.flush);
  auto batch = c.take_batch();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->records.size(), 2u);
  auto done = c.on_batch_durable(batch->id, true, 100, t0());
  ASSERT_NE(ns_of(done, 1), nullptr);
  ASSERT_NE(ns_of(done, 2), nullptr);
  EXPECT_EQ(ns_of(done, 1)->status, ns_status::ok);
}

TEST(MasterCore, AReadThatSawAnUndurableRecordWaitsForIt) {
  auto c = make_core();
  (void)c.on_request(1, {ns_op::mkdir, "/a"}, t0());
  auto read = c.on_request(2, {ns_op::stat, "/a"}, t0());
  EXPECT_TRUE(read.replies.empty()) << "stat answered before /a was durable";
  auto batch = c.take_batch();
  // While the batch is in flight, a read still waits (it saw the in-flight record).
  auto read2 = c.on_request(3, {ns_op::list, "/"}, t0());
  EXPECT_TRUE(read2.replies.empty());
  auto done = c.on_batch_durable(batch->id, true, 100, t0());
  EXPECT_NE(ns_of(done, 2), nullptr);
  EXPECT_NE(ns_of(done, 3), nullptr);
  // With nothing pending, reads are answered at once; errors too.
  EXPECT_EQ(c.on_request(4, {ns_op::stat, "/a"}, t0()).replies.size(), 1u);
  auto missing = c.on_request(5, {ns_op::stat, "/nope"}, t0());
  ASSERT_NE(ns_of(missing, 5), nullptr);
  EXPECT_EQ(ns_of(missing, 5)->status, ns_status::not_found);
}

TEST(MasterCore, AFailedWriteRefusesThatBatchAndEveryLaterMutation) {
  auto c = make_core();
  (void)c.on_request(1, {ns_op::mkdir, "/a"}, t0());
  auto batch = c.take_batch();
  (void)c.on_request(2, {ns_op::mkdir, "/b"}, t0());  // applied while the write is in flight
  auto done = c.on_batch_durable(batch->id, false, 0, t0());
  ASSERT_NE(ns_of(done, 1), nullptr);
  ASSERT_NE(ns_of(done, 2), nullptr);
  EXPECT_EQ(ns_of(done, 1)->status, ns_status::unavailable);
  EXPECT_EQ(ns_of(done, 2)->status, ns_status::unavailable);
  EXPECT_TRUE(c.journal_failed());
  auto later = c.on_request(3, {ns_op::mkdir, "/c"}, t0());
  ASSERT_NE(ns_of(later, 3), nullptr);
  EXPECT_EQ(ns_of(later, 3)->status, ns_status::unavailable);
  EXPECT_FALSE(c.take_batch());
}

TEST(MasterCore, PutChecksChunkSizeAndServersBeforeAllocating) {
  auto c = make_core();
  auto bad = c.on_put(1, {"/f", 10, 100}, t0());
  ASSERT_EQ(bad.replies.size(), 1u);
  EXPECT_EQ(std::get<put_plan>(bad.replies[0].reply).status, ns_status::invalid_argument);
  auto bad_path = c.on_put(2, {"no-slash", 10, 0}, t0());
  EXPECT_EQ(std::get<put_plan>(bad_path.replies[0].reply).status, ns_status::invalid_path);
  auto empty = c.on_put(3, {"/e", 0, 0}, t0());  // no chunks: answered at once, nothing logged
  ASSERT_EQ(empty.replies.size(), 1u);
  EXPECT_TRUE(std::get<put_plan>(empty.replies[0].reply).chunks.empty());
  EXPECT_FALSE(c.take_batch());
  auto ok = c.on_put(4, {"/f", 3000, 0}, t0());
  EXPECT_TRUE(ok.replies.empty());
  auto batch = c.take_batch();
  ASSERT_TRUE(batch);
  auto done = c.on_batch_durable(batch->id, true, 10, t0());
  ASSERT_EQ(done.replies.size(), 1u);
  auto& plan = std::get<put_plan>(done.replies[0].reply);
  ASSERT_EQ(plan.chunks.size(), 3u);
  for (auto& ch : plan.chunks) EXPECT_EQ(ch.replicas.size(), 3u);
  EXPECT_EQ(plan.chunks[2].size_bytes, 3000u - 2048u);
}

TEST(MasterCore, AnUnknownOperationFromTheWireIsAClearError) {
  auto c = make_core();
  auto fx = c.on_request(1, {static_cast<ns_op>(99), "/a"}, t0());
  ASSERT_NE(ns_of(fx, 1), nullptr);
  EXPECT_EQ(ns_of(fx, 1)->status, ns_status::invalid_argument);
  EXPECT_NE(ns_of(fx, 1)->error.find("unknown namespace operation 99"), std::string::npos);
  EXPECT_FALSE(c.take_batch());
}

TEST(MasterCore, TooFewHealthyServersIsAClearRefusal) {
  core_options o;
  o.write_quorum = 2;
  master_core c(o, node_id{"127.0.0.1", 17000, 1});
  master_effects fx;
  (void)c.on_register({cs(17100), 17101, "", 1 << 30, 1 << 30, 0, {}}, t0(), fx);
  auto r = c.on_put(1, {"/f", 10, 1024}, t0());
  ASSERT_EQ(r.replies.size(), 1u);
  auto& p = std::get<put_plan>(r.replies[0].reply);
  EXPECT_EQ(p.status, ns_status::no_servers);
  EXPECT_NE(p.error.find("quorum.write"), std::string::npos);
}

TEST(MasterCore, CommitReplyNamesTheVersionItCreated) {
  auto c = make_core();
  std::vector<put_plan> plans;
  for (request_token t : {1, 2}) {
    (void)c.on_put(t, {"/f", 100, 0}, t0());
    auto b = c.take_batch();
    auto done = c.on_batch_durable(b->id, true, 10, t0());
    plans.push_back(std::get<put_plan>(done.replies.at(0).reply));
  }
  // Two commits of one path in one batch: each is told its own version.
  for (request_token t : {3, 4}) {
    auto& p = plans[t - 3];
    for (auto& ch : p.chunks) ch.replicas.resize(2);
    (void)c.on_commit(t, {"/f", p.chunk_size_bytes, p.chunks}, t0(), 1000);
  }
  auto b = c.take_batch();
  ASSERT_EQ(b->records.size(), 2u);
  auto done = c.on_batch_durable(b->id, true, 10, t0());
  ASSERT_NE(ns_of(done, 3), nullptr);
  ASSERT_NE(ns_of(done, 4), nullptr);
  EXPECT_EQ(ns_of(done, 3)->versions.at(0).number, 1u);
  EXPECT_EQ(ns_of(done, 4)->versions.at(0).number, 2u);
}

TEST(MasterCore, FreedChunksReachHeartbeatsOnlyAfterTheRemoveIsDurable) {
  auto c = make_core();
  (void)c.on_put(1, {"/f", 100, 0}, t0());
  auto b = c.take_batch();
  auto plan = std::get<put_plan>(c.on_batch_durable(b->id, true, 10, t0()).replies.at(0).reply);
  (void)c.on_commit(2, {"/f", plan.chunk_size_bytes, plan.chunks}, t0(), 1000);
  b = c.take_batch();
  (void)c.on_batch_durable(b->id, true, 10, t0());
  auto holder = plan.chunks[0].replicas[0].id;
  (void)c.on_request(3, {ns_op::remove, "/f"}, t0());
  master_effects fx;
  auto early = c.on_heartbeat({holder, 1, 1 << 30, 1 << 30, 0, {}, {}}, t0(), fx);
  EXPECT_TRUE(early.delete_chunks.empty()) << "deletes sent before the remove was durable";
  b = c.take_batch();
  (void)c.on_batch_durable(b->id, true, 10, t0());
  auto later = c.on_heartbeat({holder, 2, 1 << 30, 1 << 30, 0, {}, {}}, t0(), fx);
  EXPECT_EQ(later.delete_chunks, (std::vector<uint64_t>{plan.chunks[0].handle}));
}

TEST(MasterCore, CheckpointOnlyWhenIdleAndPastTheLogSize) {
  core_options o;
  o.checkpoint_bytes = 1000;
  master_core c(o, node_id{"127.0.0.1", 17000, 1});
  ASSERT_TRUE(c.recover({}, {}, t0()).ok());  // the checkpoint interval counts from here
  (void)c.on_request(1, {ns_op::mkdir, "/a"}, t0());
  auto b = c.take_batch();
  auto small = c.on_batch_durable(b->id, true, 999, t0());
  EXPECT_FALSE(small.checkpoint);
  (void)c.on_request(2, {ns_op::mkdir, "/b"}, t0());
  b = c.take_batch();
  (void)c.on_request(3, {ns_op::mkdir, "/c"}, t0());  // open batch: not idle
  auto busy = c.on_batch_durable(b->id, true, 2000, t0());
  EXPECT_FALSE(busy.checkpoint);
  b = c.take_batch();
  auto idle = c.on_batch_durable(b->id, true, 3000, t0());
  ASSERT_TRUE(idle.checkpoint);
  EXPECT_EQ(idle.checkpoint->dirs.size(), 3u);
  (void)c.on_checkpoint_done(true, "", t0());
  EXPECT_FALSE(c.on_tick(t0()).checkpoint);
}

}  // namespace
}  // namespace dfs::master
