// master_core's snapshot and copy-on-write (master_cow.cpp): a snapshot shares every chunk of
// the newest version; a lease asked on a shared chunk first has its holders copy it locally,
// logs the cow_record once the copies are reported, and grants the lease on the copy; the
// older version keeps the old chunk; waiters join; a copy that never comes fails them.
#include <gtest/gtest.h>

#include "core/master/master_core.hpp"
#include "unit/master/shared_chunks_cluster.hpp"

namespace dfs::master {
namespace {

using namespace std::chrono_literals;
using test::cs;
using test::lease_of;
using test::make_cluster;
using test::ns_of;
using test::ports;
using cluster = test::shared_chunks_cluster;

ns_request snapshot_of(const std::string& path, uint64_t request_no = 0) {
  return {ns_op::snapshot, path, {}, request_no == 0 ? 0u : 77u, request_no};
}

// Takes a snapshot of /f, durable; returns the version it created.
uint64_t snapshot(cluster& k, uint64_t request_no = 1) {
  auto fx = k.c.on_request(50, snapshot_of("/f", request_no), k.now, 5000);
  EXPECT_TRUE(fx.replies.empty());  // answered once durable
  auto durable = k.flush();
  auto* r = ns_of(durable, 50);
  EXPECT_NE(r, nullptr);
  if (r == nullptr) return 0;
  EXPECT_EQ(r->status, ns_status::ok) << r->error;
  EXPECT_EQ(r->versions.size(), 1u);
  return r->versions.empty() ? 0 : r->versions[0].number;
}

TEST(FileSnapshot, SharesEveryChunkOfTheNewestVersionWithoutCopying) {
  auto k = make_cluster();
  EXPECT_EQ(snapshot(k), 2u);
  EXPECT_EQ(k.chunks_of(2), k.chunks_of(1));
  for (auto h : k.handles) EXPECT_EQ(k.refs(h), 2u);
  auto vs = k.c.meta().versions("/f", 10);
  ASSERT_EQ(vs->size(), 2u);
  EXPECT_EQ(vs->at(1).size_bytes, 2500u);
  EXPECT_EQ(vs->at(1).chunk_size_bytes, 1024u);
  EXPECT_EQ(vs->at(1).mtime_ms, 5000u);
  // One logged record (a commit wrapped with its request id), no allocation, no copy.
  auto* q = std::get_if<request_record>(&k.log.back());
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(std::holds_alternative<commit_record>(q->op));
  EXPECT_EQ(k.c.cows_in_flight(), 0u);
  k.expect_replay_equal();
}

TEST(FileSnapshot, ARetriedRequestIsAnsweredWithTheFirstVersionNotAppliedAgain) {
  auto k = make_cluster();
  EXPECT_EQ(snapshot(k, 1), 2u);
  auto again = k.c.on_request(51, snapshot_of("/f", 1), k.now, 6000);
  auto all = k.flush();
  auto* r = ns_of(again, 51) != nullptr ? ns_of(again, 51) : ns_of(all, 51);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, ns_status::ok) << r->error;
  ASSERT_EQ(r->versions.size(), 1u);
  EXPECT_EQ(r->versions[0].number, 2u);
  EXPECT_EQ(k.c.meta().versions("/f", 10)->size(), 2u);
  for (auto h : k.handles) EXPECT_EQ(k.refs(h), 2u);
  // A new request number is a new snapshot.
  EXPECT_EQ(snapshot(k, 2), 3u);
}

TEST(FileSnapshot, KeepsAtMostMaxVersionsAndTheSharedChunksLive) {
  auto k = make_cluster(2);
  EXPECT_EQ(snapshot(k, 1), 2u);
  EXPECT_EQ(snapshot(k, 2), 3u);
  auto vs = k.c.meta().versions("/f", 10);
  ASSERT_EQ(vs->size(), 2u);
  EXPECT_EQ(vs->front().number, 2u);
  for (auto h : k.handles) EXPECT_EQ(k.refs(h), 2u);  // versions 2 and 3
  k.expect_replay_equal();
}

TEST(FileSnapshot, BadInputGetsOneClearError) {
  auto k = make_cluster();
  auto missing = k.c.on_request(1, snapshot_of("/nope"), k.now, 1);
  ASSERT_NE(ns_of(missing, 1), nullptr);
  EXPECT_EQ(ns_of(missing, 1)->status, ns_status::not_found);
  auto dir = k.c.on_request(2, snapshot_of("/"), k.now, 1);
  ASSERT_NE(ns_of(dir, 2), nullptr);
  EXPECT_EQ(ns_of(dir, 2)->status, ns_status::is_a_directory);
  auto bad = k.c.on_request(3, snapshot_of("relative"), k.now, 1);
  ASSERT_NE(ns_of(bad, 3), nullptr);
  EXPECT_EQ(ns_of(bad, 3)->status, ns_status::invalid_path);
}

TEST(FileSnapshot, IsRefusedWhileAChunkOfTheFileIsLeased) {
  auto k = make_cluster();
  (void)k.c.on_lease(10, {"/f", 1, 0}, k.now);  // not shared: a plain grant
  k.flush();
  auto fx = k.c.on_request(11, snapshot_of("/f"), k.now, 1);
  ASSERT_NE(ns_of(fx, 11), nullptr);
  EXPECT_EQ(ns_of(fx, 11)->status, ns_status::busy);
  EXPECT_NE(ns_of(fx, 11)->error.find("chunk " + chunk_handle{k.handles[1]}.to_string()),
            std::string::npos)
      << ns_of(fx, 11)->error;
  EXPECT_EQ(k.c.meta().versions("/f", 10)->size(), 1u);
}

TEST(CopyOnWrite, ALeaseByHandleOnASharedChunkIsRefused) {
  auto k = make_cluster();
  snapshot(k);
  auto fx = k.c.on_lease(10, {"", 0, k.handles[0]}, k.now);
  ASSERT_NE(lease_of(fx, 10), nullptr);
  EXPECT_EQ(lease_of(fx, 10)->status, ns_status::conflict);
  EXPECT_EQ(lease_of(fx, 10)->error, "chunk " + chunk_handle{k.handles[0]}.to_string() +
                                         " is shared with another version: ask by path and index");
  EXPECT_FALSE(fx.flush);
}

TEST(CopyOnWrite, SharedChunkIsCopiedOnItsHoldersThenTheCopyIsLeased) {
  auto k = make_cluster();
  snapshot(k);
  auto old = k.handles[1];
  auto fx = k.c.on_lease(10, {"/f", 1, 0}, k.now);
  EXPECT_TRUE(fx.replies.empty());
  EXPECT_TRUE(fx.flush);  // the new handle's allocation
  EXPECT_EQ(k.c.cows_in_flight(), 1u);
  EXPECT_EQ(k.c.leases().find(chunk_handle{old}), nullptr);  // never leased
  // No order before the allocation is durable.
  EXPECT_TRUE(k.heartbeat(ports[0]).local_copies.empty());
  k.flush();
  ASSERT_TRUE(std::holds_alternative<allocate_record>(k.log.back()));
  auto copy = std::get<allocate_record>(k.log.back()).first.value;
  // A second request for the same chunk joins the copy.
  auto join = k.c.on_lease(11, {"/f", 1, 0}, k.now);
  EXPECT_TRUE(join.replies.empty());
  EXPECT_FALSE(join.flush);
  EXPECT_EQ(k.c.cows_in_flight(), 1u);
  // Every holder is told to copy it locally, once.
  for (auto p : ports) {
    auto r = k.heartbeat(p);
    ASSERT_EQ(r.local_copies.size(), 1u) << p;
    EXPECT_EQ(r.local_copies[0], (local_copy{old, copy, 1}));
    EXPECT_TRUE(k.heartbeat(p).local_copies.empty());
  }
  // Two copies reported: the third live holder is still waited for.
  (void)k.heartbeat(ports[0], {}, {{copy, 1, 1024}});
  (void)k.heartbeat(ports[1], {}, {{copy, 1, 1024}});
  EXPECT_EQ(k.c.cows_in_flight(), 1u);
  // A copy with another size does not count.
  (void)k.heartbeat(ports[2], {}, {{copy, 1, 1000}});
  EXPECT_EQ(k.c.cows_in_flight(), 1u);
  master_effects done;
  (void)k.heartbeat(ports[2], {}, {{copy, 1, 1024}}, &done);
  EXPECT_EQ(k.c.cows_in_flight(), 0u);
  EXPECT_TRUE(done.flush || !k.c.idle());
  EXPECT_TRUE(done.replies.empty());  // the lease is not granted yet
  // The newest version names the copy, the old one the shared chunk, each once referenced.
  EXPECT_EQ(k.chunks_of(2).at(1).value, copy);
  EXPECT_EQ(k.chunks_of(1).at(1).value, old);
  EXPECT_EQ(k.chunks_of(2).at(0).value, k.handles[0]);
  EXPECT_EQ(k.refs(old), 1u);
  EXPECT_EQ(k.refs(copy), 1u);
  EXPECT_EQ(k.refs(k.handles[0]), 2u);
  auto* e = k.c.meta().chunks().find(chunk_handle{copy});
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->meta.size_bytes, 1024u);
  EXPECT_EQ(e->meta.crc32c, k.c.meta().chunks().find(chunk_handle{old})->meta.crc32c);
  EXPECT_EQ(e->replicas.size(), 3u);
  // The cow record, then the bump of the copy, in one durable batch.
  k.flush();
  ASSERT_GE(k.log.size(), 2u);
  auto* cow = std::get_if<cow_record>(&k.log[k.log.size() - 2]);
  ASSERT_NE(cow, nullptr);
  EXPECT_EQ(cow->path, "/f");
  EXPECT_EQ(cow->version_number, 2u);
  EXPECT_EQ(cow->chunk_index, 1u);
  EXPECT_EQ(cow->old_handle.value, old);
  EXPECT_EQ(cow->new_handle.value, copy);
  auto* bump = std::get_if<bump_version_record>(&k.log.back());
  ASSERT_NE(bump, nullptr);
  EXPECT_EQ(bump->handle.value, copy);
  // The lease on the copy: offered to its primary, answered to both waiters once confirmed.
  auto* l = k.c.leases().find(chunk_handle{copy});
  ASSERT_NE(l, nullptr);
  auto primary = l->primary;
  auto r = k.heartbeat(primary.port);
  ASSERT_EQ(r.leases.size(), 1u);
  master_effects ack;
  (void)k.heartbeat(primary.port, {{copy, 2, false}}, {}, &ack);
  for (request_token t : {10, 11}) {
    auto* reply = lease_of(ack, t);
    ASSERT_NE(reply, nullptr) << t;
    EXPECT_EQ(reply->status, ns_status::ok) << reply->error;
    EXPECT_EQ(reply->handle, copy);
    EXPECT_EQ(reply->chunk_version, 2u);
    EXPECT_EQ(reply->granted, t == 10);
  }
  // The shared chunk keeps its version: the old version reads it unchanged.
  EXPECT_EQ(k.c.meta().chunks().find(chunk_handle{old})->meta.chunk_version, 1u);
  EXPECT_EQ(k.c.leases().find(chunk_handle{old}), nullptr);
  k.expect_replay_equal();
  // The next lease of that chunk needs no copy: it is the copy's lease.
  auto again = k.c.on_lease(12, {"/f", 1, 0}, k.now);
  ASSERT_NE(lease_of(again, 12), nullptr);
  EXPECT_EQ(lease_of(again, 12)->handle, copy);
}

TEST(CopyOnWrite, ACopyThatNeverComesFailsItsWaitersAtTheDeadline) {
  auto k = make_cluster();
  snapshot(k);
  auto old = k.handles[0];
  (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
  k.flush();
  (void)k.c.on_lease(11, {"/f", 0, 0}, k.now);
  for (auto p : ports) (void)k.heartbeat(p);  // orders handed out, nothing reported
  k.now += 2s;
  for (auto p : ports) (void)k.heartbeat(p);
  EXPECT_TRUE(k.c.on_tick(k.now).replies.empty());
  k.now += 1s + 1ms;
  auto fx = k.c.on_tick(k.now);
  for (request_token t : {10, 11}) {
    auto* r = lease_of(fx, t);
    ASSERT_NE(r, nullptr) << t;
    EXPECT_EQ(r->status, ns_status::unavailable);
    EXPECT_EQ(r->error, "copy-on-write of chunk " + chunk_handle{old}.to_string() +
                            " did not complete; ask again");
  }
  EXPECT_EQ(k.c.cows_in_flight(), 0u);
  EXPECT_EQ(k.chunks_of(2).at(0).value, old);  // nothing changed
  EXPECT_EQ(k.refs(old), 2u);
}

// After a snapshot, a lease (request 10) on the shared chunk 2 of /f: the copy is ordered on
// every holder, and `reporting` of them report it. Returns the copy's handle.
uint64_t copy_reported_by(cluster& k, size_t reporting) {
  snapshot(k);
  (void)k.c.on_lease(10, {"/f", 2, 0}, k.now);
  k.flush();
  auto copy = std::get<allocate_record>(k.log.back()).first.value;
  for (auto p : ports) (void)k.heartbeat(p);
  for (size_t i = 0; i < reporting; ++i) (void)k.heartbeat(ports[i], {}, {{copy, 1, 2500 - 2048}});
  return copy;
}

TEST(CopyOnWrite, AtTheDeadlineTheCopiesReportedSoFarAreEnough) {
  auto k = make_cluster();
  auto copy = copy_reported_by(k, 2);
  EXPECT_EQ(k.c.cows_in_flight(), 1u);
  k.now += 3s;
  for (auto p : ports) (void)k.heartbeat(p);
  (void)k.c.on_tick(k.now);
  EXPECT_EQ(k.c.cows_in_flight(), 0u);
  EXPECT_EQ(k.chunks_of(2).at(2).value, copy);
  auto* e = k.c.meta().chunks().find(chunk_handle{copy});
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->replicas.size(), 2u);  // repair copies the rest
  k.flush();
  auto* l = k.c.leases().find(chunk_handle{copy});
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->primary == cs(ports[0]) || l->primary == cs(ports[1]));
}

// ... but fewer copies than quorum.write get no lease: a mutation acknowledged by its lease's
// replicas would be on one disk only. The waiters are told so and ask again (repair copies).
TEST(CopyOnWrite, CopiesFewerThanTheWriteQuorumGetNoLease) {
  auto k = make_cluster();
  auto copy = copy_reported_by(k, 1);
  k.now += 3s;
  master_effects fx;  // the deadline passes: the copy is logged and its lease asked for
  (void)k.heartbeat(ports[0], {}, {}, &fx);
  k.flush();
  EXPECT_EQ(k.c.leases().find(chunk_handle{copy}), nullptr);
  auto* r = lease_of(fx, 10);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->error.find("only 1 live replica(s)"), std::string::npos) << r->error;
  EXPECT_NE(r->error.find("quorum.write = 2"), std::string::npos) << r->error;
}

TEST(CopyOnWrite, ASnapshotDuringTheCopyMakesItAskAgain) {
  auto k = make_cluster();
  snapshot(k, 1);
  (void)k.c.on_lease(10, {"/f", 0, 0}, k.now);
  k.flush();
  auto copy = std::get<allocate_record>(k.log.back()).first.value;
  EXPECT_EQ(snapshot(k, 2), 3u);  // version 2 is no longer the newest
  for (auto p : ports) (void)k.heartbeat(p);
  master_effects fx;
  for (auto p : ports) (void)k.heartbeat(p, {}, {{copy, 1, 1024}}, &fx);
  auto* r = lease_of(fx, 10);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, ns_status::unavailable);
  EXPECT_NE(r->error.find("no longer the newest version; ask again"), std::string::npos)
      << r->error;
  EXPECT_EQ(k.refs(k.handles[0]), 3u);
}

}  // namespace
}  // namespace dfs::master
