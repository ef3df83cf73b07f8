// Retries never apply twice: master_core answers a retried mutation (same client id and request
// number) with its first result, without applying it again; the table that remembers survives
// log replay and checkpoints, and is bounded.
#include <gtest/gtest.h>

#include "core/master/master_core.hpp"
#include "unit/master/test_util.hpp"

namespace dfs::master {
namespace {

using test::t0;

constexpr uint64_t client = 0x5eed;

node_id cs(uint16_t port) {
  return node_id{"127.0.0.1", port, 1};
}

// A master with three chunkservers and the log it wrote.
struct fixture {
  master_core c;
  std::vector<log_record> log;

  explicit fixture(core_options o = {}, const master_snapshot& from = {},
                   const std::vector<log_record>& records = {})
      : c(with_defaults(o), node_id{"127.0.0.1", 17000, 1}) {
    EXPECT_TRUE(c.recover(from, records, t0()).ok());
    for (uint16_t p : {17100, 17200, 17300}) {
      master_effects fx;
      (void)c.on_register({cs(p), static_cast<uint16_t>(p + 1), "", 1 << 30, 1 << 30, 0, {}}, t0(),
                          fx);
    }
  }
  static core_options with_defaults(core_options o) {
    o.write_quorum = 2;
    o.meta.replication = 3;
    o.default_chunk_size_bytes = 1024;
    return o;
  }

  // Makes every open batch durable; the replies that came with it.
  std::vector<master_reply> durable() {
    std::vector<master_reply> out;
    while (auto b = c.take_batch()) {
      log.insert(log.end(), b->records.begin(), b->records.end());
      auto fx = c.on_batch_durable(b->id, true, 10, t0());
      out.insert(out.end(), fx.replies.begin(), fx.replies.end());
    }
    return out;
  }
  // The reply to `t`: from `fx` at once, else once the open batches are durable.
  ns_reply answer(request_token t, master_effects fx) {
    auto replies = fx.replies;
    auto later = durable();
    replies.insert(replies.end(), later.begin(), later.end());
    for (auto& r : replies)
      if (r.token == t)
        if (auto* n = std::get_if<ns_reply>(&r.reply)) return *n;
    ADD_FAILURE() << "no reply to " << t;
    return {};
  }
  ns_reply ns(request_token t, ns_op op, const std::string& path, uint64_t seq,
              const std::string& to = {}) {
    return answer(t, c.on_request(t, ns_request{op, path, to, seq ? client : 0, seq}, t0(), 5000));
  }
  // A planned put of `size` bytes to `path`, ready to commit as request `seq`.
  put_commit planned(request_token t, const std::string& path, uint64_t size, uint64_t seq) {
    (void)c.on_put(t, {path, size, 0}, t0());
    auto b = c.take_batch();
    log.insert(log.end(), b->records.begin(), b->records.end());
    auto plan = std::get<put_plan>(c.on_batch_durable(b->id, true, 10, t0()).replies.at(0).reply);
    put_commit pc{path, plan.chunk_size_bytes, plan.chunks};
    pc.client_id = client;
    pc.request_no = seq;
    return pc;
  }
  ns_reply commit(request_token t, const put_commit& pc) {
    return answer(t, c.on_commit(t, pc, t0(), 1000 + t));
  }
  bool nothing_logged() { return !c.take_batch(); }
};

TEST(MasterCoreRetry, RetriedMkdirMvAndRmGetTheFirstResultAndApplyOnce) {
  fixture f;
  EXPECT_EQ(f.ns(1, ns_op::mkdir, "/d", 1).status, errc::ok);
  auto again = f.ns(2, ns_op::mkdir, "/d", 1);
  EXPECT_EQ(again.status, errc::ok) << again.error;
  // Without the request number it is a new request, and /d exists.
  EXPECT_EQ(f.ns(3, ns_op::mkdir, "/d", 0).status, errc::already_exists);
  auto mv = f.ns(4, ns_op::rename, "/d", 2, "/e");
  ASSERT_EQ(mv.entries.size(), 1u);
  EXPECT_EQ(mv.entries[0].name, "/e");
  auto mv2 = f.ns(5, ns_op::rename, "/d", 2, "/e");
  EXPECT_EQ(mv2.status, errc::ok) << mv2.error;
  ASSERT_EQ(mv2.entries.size(), 1u);
  EXPECT_EQ(mv2.entries[0].name, "/e");
  EXPECT_EQ(f.ns(6, ns_op::remove, "/e", 3).status, errc::ok);
  auto rm2 = f.ns(7, ns_op::remove, "/e", 3);
  EXPECT_EQ(rm2.status, errc::ok) << rm2.error;
  EXPECT_EQ(f.log.size(), 3u) << "a retry was logged";
  // A retried rm of a file: the trash holds one entry, not an error, not two.
  auto pc = f.planned(8, "/f", 100, 4);
  EXPECT_EQ(f.commit(9, pc).status, errc::ok);
  EXPECT_EQ(f.ns(10, ns_op::remove, "/f", 5).status, errc::ok);
  EXPECT_EQ(f.ns(11, ns_op::remove, "/f", 5).status, errc::ok);
  EXPECT_EQ(f.c.meta().trash().size(), 1u);
}

TEST(MasterCoreRetry, ARetriedCommitGetsTheSameVersionAndMakesNoSecondOne) {
  fixture f;
  auto first = f.planned(1, "/f", 3000, 1);
  auto r1 = f.commit(2, first);
  ASSERT_EQ(r1.status, errc::ok) << r1.error;
  ASSERT_EQ(r1.versions.size(), 1u);
  EXPECT_EQ(r1.versions[0].number, 1u);
  auto retry = f.commit(3, first);
  ASSERT_EQ(retry.status, errc::ok) << retry.error;
  ASSERT_EQ(retry.versions.size(), 1u);
  EXPECT_EQ(retry.versions[0], r1.versions[0]);
  EXPECT_TRUE(f.nothing_logged());
  EXPECT_EQ(f.c.meta().stat("/f")->version_count, 1u);
  // A new request is a new version; the old retry still names version 1.
  auto second = f.planned(4, "/f", 10, 2);
  EXPECT_EQ(f.commit(5, second).versions.at(0).number, 2u);
  EXPECT_EQ(f.commit(6, first).versions.at(0).number, 1u);
  EXPECT_EQ(f.c.meta().stat("/f")->version_count, 2u);
}

TEST(MasterCoreRetry, ARetryOfAnUndurableMutationWaitsForItsBatch) {
  fixture f;
  auto pc = f.planned(1, "/f", 100, 1);
  auto fx = f.c.on_commit(2, pc, t0(), 1000);
  EXPECT_TRUE(fx.replies.empty());
  auto retry = f.c.on_commit(3, pc, t0(), 1000);
  EXPECT_TRUE(retry.replies.empty()) << "retry answered before the first was durable";
  auto replies = f.durable();
  ASSERT_EQ(replies.size(), 2u);
  for (auto& r : replies) EXPECT_EQ(std::get<ns_reply>(r.reply).versions.at(0).number, 1u);
  EXPECT_EQ(f.log.size(), 2u) << "allocate + one commit";
}

TEST(MasterCoreRetry, TheTableSurvivesReplayAndCheckpoints) {
  fixture f;
  EXPECT_EQ(f.ns(1, ns_op::mkdir, "/d", 1).status, errc::ok);
  auto pc = f.planned(2, "/d/f", 2000, 2);
  auto created = f.commit(3, pc).versions.at(0);
  EXPECT_EQ(f.ns(4, ns_op::rename, "/d/f", 3, "/d/g").status, errc::ok);
  // Replay of the whole log, and a checkpoint with no log after it.
  fixture replayed({}, {}, f.log);
  fixture restored({}, f.c.meta().snapshot(), {});
  EXPECT_EQ(replayed.c.meta().canonical_dump(), f.c.meta().canonical_dump());
  EXPECT_EQ(restored.c.meta().canonical_dump(), f.c.meta().canonical_dump());
  for (auto* g : {&replayed, &restored}) {
    EXPECT_EQ(g->ns(10, ns_op::mkdir, "/d", 1).status, errc::ok);
    pc.path = "/d/f";
    auto again = g->commit(11, pc);
    ASSERT_EQ(again.status, errc::ok) << again.error;
    EXPECT_EQ(again.versions.at(0), created);
    auto mv = g->ns(12, ns_op::rename, "/d/f", 3, "/d/g");
    ASSERT_EQ(mv.status, errc::ok) << mv.error;
    EXPECT_EQ(mv.entries.at(0).name, "/d/g");
    EXPECT_TRUE(g->nothing_logged());
    EXPECT_EQ(g->c.meta().stat("/d/g")->version_count, 1u);
  }
}

TEST(MasterCoreRetry, TheTableIsBoundedAndAForgottenRetryIsRefused) {
  core_options o;
  o.meta.requests = {2, 1};
  fixture f(o);
  for (uint64_t seq = 1; seq <= 3; ++seq)
    EXPECT_EQ(f.ns(seq, ns_op::mkdir, "/d" + std::to_string(seq), seq).status, errc::ok);
  EXPECT_EQ(f.c.meta().requests().results(), 2u);
  auto old = f.ns(10, ns_op::mkdir, "/d1", 1);
  EXPECT_EQ(old.status, errc::too_late);
  EXPECT_NE(old.error.find("may have been applied"), std::string::npos) << old.error;
  EXPECT_EQ(f.ns(11, ns_op::mkdir, "/d3", 3).status, errc::ok);
  // Another client pushes this one out (max 1 client): its retries are new requests again.
  EXPECT_EQ(
      f.answer(12, f.c.on_request(12, ns_request{ns_op::mkdir, "/x", {}, 99, 1}, t0())).status,
      errc::ok);
  EXPECT_EQ(f.c.meta().requests().clients(), 1u);
  EXPECT_EQ(f.ns(13, ns_op::mkdir, "/d3", 3).status, errc::already_exists);
}

TEST(MasterCoreRetry, AfterAJournalFailureARetryIsRefusedNotAnswered) {
  fixture f;
  (void)f.c.on_request(1, ns_request{ns_op::mkdir, "/d", {}, client, 1}, t0());
  auto b = f.c.take_batch();
  (void)f.c.on_batch_durable(b->id, false, 0, t0());
  auto retry = f.c.on_request(2, ns_request{ns_op::mkdir, "/d", {}, client, 1}, t0());
  ASSERT_EQ(retry.replies.size(), 1u);
  EXPECT_EQ(std::get<ns_reply>(retry.replies[0].reply).status, errc::unavailable);
}

}  // namespace
}  // namespace dfs::master
