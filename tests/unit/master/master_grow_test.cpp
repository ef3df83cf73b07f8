// master_core's grow (issue 13): a write or append past a file's end adds chunks (planned,
// pushed empty) and a size, logged and replayed; retries and races change nothing; bad
// requests get one clear error.
#include <gtest/gtest.h>

#include "core/master/master_core.hpp"
#include "core/master/ns_replies.hpp"
#include "unit/master/core_driver.hpp"

namespace dfs::master {
namespace {

using namespace std::chrono_literals;
using test::cs;

core_options options() {
  core_options o;
  o.write_quorum = 2;
  o.meta.replication = 3;
  o.default_chunk_size_bytes = 1024;
  return o;
}

struct fixture : test::core_driver {
  fixture() : core_driver(options()) {
    start({17100, 17200, 17300});
    auto plan = plan_for("/f", 100);
    for (auto& ch : plan.chunks) ch.size_bytes = 100;
    (void)c.on_commit(2, {"/f", plan.chunk_size_bytes, plan.chunks}, now, 1000);
    flush();
  }
  put_plan plan_for(const std::string& path, uint64_t size) {
    (void)c.on_put(1, {path, size, 0}, now);
    auto fx = flush();
    return std::get<put_plan>(fx.replies.at(0).reply);
  }
  // New empty chunks as a client makes them: planned, pushed empty, durable on every replica.
  std::vector<ns_chunk> empty_chunks(size_t n) {
    auto plan = plan_for("/f", n * 1024);
    for (auto& ch : plan.chunks) ch.size_bytes = 0, ch.crc32c = 0, ch.token.clear();
    return plan.chunks;
  }
  ns_reply grow(grow_request r, bool* logged = nullptr) {
    auto fx = c.on_grow(7, r, now, 2000);
    if (logged != nullptr) *logged = fx.flush;
    if (fx.replies.empty()) fx = flush();
    return std::get<ns_reply>(fx.replies.at(0).reply);
  }
  file_layout layout() { return *c.meta().layout("/f"); }
};

TEST(MasterGrow, NewChunksAndSizeAreLoggedAndNoted) {
  fixture k;
  auto added = k.empty_chunks(2);
  bool logged = false;
  auto r = k.grow({"/f", 1, 1024 + 1024 + 10, 1, added, 0}, &logged);
  ASSERT_EQ(r.status, ns_status::ok) << r.error;
  EXPECT_TRUE(logged);
  ASSERT_TRUE(std::holds_alternative<grow_record>(k.log.back()));
  auto l = k.layout();
  EXPECT_EQ(l.version.number, 1u) << "a mutation changes the newest version in place";
  EXPECT_EQ(l.version.size_bytes, 2058u);
  ASSERT_EQ(l.chunks.size(), 3u);
  EXPECT_EQ(l.chunks[0].meta.size_bytes, 1024u) << "the first chunk now reaches its end";
  EXPECT_EQ(l.chunks[1].meta.size_bytes, 1024u);
  EXPECT_EQ(l.chunks[2].meta.size_bytes, 10u);
  EXPECT_EQ(l.chunks[1].meta.handle.value, added[0].handle);
  EXPECT_EQ(l.chunks[1].replicas.size(), 3u) << "where the client pushed them";
  ASSERT_EQ(r.versions.size(), 1u);
  EXPECT_EQ(r.versions[0].size_bytes, 2058u);
}

TEST(MasterGrow, RetriesAndSlowerRacersChangeNothing) {
  fixture k;
  auto mine = k.empty_chunks(1);
  auto theirs = k.empty_chunks(1);
  ASSERT_EQ(k.grow({"/f", 1, 0, 1, mine, 0}).status, ns_status::ok);
  auto log_size = k.log.size();
  bool logged = true;
  // The same request again, and another client's chunk for the same index: no change.
  EXPECT_EQ(k.grow({"/f", 1, 0, 1, mine, 0}, &logged).status, ns_status::ok);
  EXPECT_FALSE(logged);
  EXPECT_EQ(k.grow({"/f", 1, 50, 1, theirs, 0}, &logged).status, ns_status::ok);
  EXPECT_FALSE(logged) << "a size within the file and an index taken: nothing to log";
  EXPECT_EQ(k.log.size(), log_size);
  EXPECT_EQ(k.layout().chunks[1].meta.handle.value, mine[0].handle);
  EXPECT_EQ(k.layout().version.size_bytes, 100u) << "sizes never shrink or grow by a no-op";
}

TEST(MasterGrow, BadRequestsGetOneClearError) {
  fixture k;
  auto fresh = k.empty_chunks(1);
  auto code = [&](grow_request r) { return k.grow(std::move(r)).status; };
  EXPECT_EQ(code({"/f", 1, 0, 2, fresh, 0}), ns_status::invalid_argument) << "a gap";
  EXPECT_EQ(code({"/f", 9, 0, 1, fresh, 0}), ns_status::conflict) << "another version";
  EXPECT_EQ(code({"/f", 1, 5000, 1, fresh, 0}), ns_status::invalid_argument) << "past the chunks";
  EXPECT_EQ(code({"/nope", 0, 10, 0, {}, 0}), ns_status::not_found);
  EXPECT_EQ(code({"bad//path", 0, 10, 0, {}, 0}), ns_status::invalid_path);
  auto committed = k.layout().chunks[0];
  ns_chunk reused{committed.meta.handle.value, 1, 0, 0, {}, {}, false};
  reused.replicas = fresh[0].replicas;
  EXPECT_EQ(code({"/f", 1, 0, 1, {reused}, 0}), ns_status::unknown_handle) << "not new";
  auto short_chunk = fresh;
  short_chunk[0].replicas.resize(1);
  EXPECT_EQ(code({"/f", 1, 0, 1, short_chunk, 0}), ns_status::invalid_argument) << "quorum";
  auto not_empty = fresh;
  not_empty[0].size_bytes = 5;
  EXPECT_EQ(code({"/f", 1, 0, 1, not_empty, 0}), ns_status::invalid_argument);
  EXPECT_EQ(k.layout().chunks.size(), 1u);
}

TEST(MasterGrow, ReplayGivesTheSameFile) {
  fixture k;
  ASSERT_EQ(k.grow({"/f", 1, 1500, 1, k.empty_chunks(1), 0}).status, ns_status::ok);
  master_core fresh(options(), node_id{"127.0.0.1", 17000, 2});
  ASSERT_TRUE(fresh.recover({}, k.log, k.now).ok());
  auto a = k.layout();
  auto b = *fresh.meta().layout("/f");
  EXPECT_EQ(a.version.size_bytes, b.version.size_bytes);
  ASSERT_EQ(a.chunks.size(), b.chunks.size());
  for (size_t i = 0; i < a.chunks.size(); ++i) EXPECT_EQ(a.chunks[i].meta, b.chunks[i].meta);
}

TEST(MasterGrow, ALeasedChunkIsMarkedAsChangingInLayouts) {
  fixture k;
  auto nowhere = [](const std::vector<node_id>&) { return std::vector<replica_addr>{}; };
  EXPECT_FALSE(layout_reply(k.layout(), nowhere).chunks.at(0).may_change);
  k.now += options().lease.duration + options().lease.margin();  // the restart wait-out
  (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
  k.flush();
  EXPECT_TRUE(layout_reply(k.layout(), nowhere).chunks.at(0).may_change)
      << "after a lease the whole-chunk crc32c no longer vouches for the bytes";
}

}  // namespace
}  // namespace dfs::master
