// Directory leases (core/master/dir_leases.hpp): a client's stat_dir takes the stats of a
// directory's entries and a lease; no other client's change there is acknowledged before the
// lease ends; the holder's own changes are not held; a write-shared directory gets no lease;
// a master starting from a log holds every answer one term.
#include <gtest/gtest.h>

#include "core/master/dir_leases.hpp"
#include "core/master/master_core.hpp"
#include "unit/master/core_driver.hpp"

namespace dfs::master {
namespace {

using namespace std::chrono_literals;
using test::t0;

constexpr uint64_t reader = 0xa11ce, writer = 0xb0b;

TEST(DirLeases, AnotherClientsChangeWaitsForTheLeaseTheHoldersOwnDoesNot) {
  dir_leases l(500ms, 2s);
  auto now = t0();
  ASSERT_EQ(l.grant("/d", reader, now), std::optional<core::duration>(500ms));
  EXPECT_FALSE(l.change_may_wait(reader, now));
  EXPECT_TRUE(l.change_may_wait(writer, now));
  EXPECT_EQ(l.on_change({"/d", false}, writer, now + 100ms), now + 500ms);
  EXPECT_EQ(l.on_change({"/other", false}, writer, now + 100ms), now + 100ms) << "not leased";
  // The holder's change ends its own lease and waits for nobody.
  ASSERT_TRUE(l.grant("/e", reader, now));
  EXPECT_EQ(l.on_change({"/e", false}, reader, now + 10ms), now + 10ms);
  EXPECT_EQ(l.on_change({"/e", false}, writer, now + 20ms), now + 20ms) << "the lease ended";
  // Past the end nothing waits.
  EXPECT_FALSE(l.change_may_wait(writer, now + 500ms));
  EXPECT_EQ(l.on_change({"/d", false}, writer, now + 600ms), now + 600ms);
}

TEST(DirLeases, AWriteSharedDirectoryGetsNoLeaseUntilQuiet) {
  dir_leases l(500ms, 2s);
  auto now = t0();
  (void)l.on_change({"/d", false}, writer, now);
  EXPECT_FALSE(l.grant("/d", reader, now + 1s)) << "another client changed it 1 s ago";
  EXPECT_TRUE(l.grant("/d", writer, now + 1s)) << "its only writer may cache it";
  (void)l.on_change({"/d", false}, reader, now + 1100ms);
  EXPECT_FALSE(l.grant("/d", writer, now + 1200ms)) << "two writers: shared";
  EXPECT_FALSE(l.grant("/d", reader, now + 1200ms));
  EXPECT_TRUE(l.grant("/d", reader, now + 3200ms)) << "quiet for 2 s";
  EXPECT_FALSE(l.grant("/d", 0, now + 4s)) << "an untagged client";
  EXPECT_FALSE(dir_leases(0ms, 2s).grant("/d", reader, now)) << "leases off";
}

TEST(DirLeases, AMovedDirectoryWaitsForLeasesBelowIt) {
  dir_leases l(500ms, 2s);
  auto now = t0();
  ASSERT_TRUE(l.grant("/a/b/c", reader, now));
  ASSERT_TRUE(l.grant("/ab", reader, now + 100ms));
  EXPECT_EQ(l.on_change({"/a", true}, writer, now + 10ms), now + 500ms);
  EXPECT_EQ(l.on_change({"/a", true}, writer, now + 510ms), now + 510ms)
      << "/a/b/c's lease ended, and /ab (leased till 600 ms) is not below /a";
}

TEST(DirLeases, ARestartedMasterHoldsChangesOneTermAndExpiryForgets) {
  dir_leases l(500ms, 2s);
  auto now = t0();
  l.hold_changes_until(now + 500ms);
  EXPECT_TRUE(l.change_may_wait(reader, now));
  EXPECT_EQ(l.on_change({"/d", false}, reader, now), now + 500ms);
  ASSERT_TRUE(l.grant("/x", reader, now));
  l.expire(now + 3s);
  EXPECT_EQ(l.directories(), 0u);
  EXPECT_FALSE(l.change_may_wait(writer, now + 3s));
}

TEST(DirLeases, RecordsNameTheListingsTheyChange) {
  auto dirs = [](const log_record& r) {
    std::vector<std::string> out;
    for (auto& d : changed_dirs(r)) out.push_back(d.dir + (d.subtree ? "/**" : ""));
    return out;
  };
  using v = std::vector<std::string>;
  EXPECT_EQ(dirs(mkdir_record{"/a/b/c"}), (v{"/a/b", "/a"}));
  EXPECT_EQ(dirs(mkdir_record{"/a"}), (v{"/"}));
  EXPECT_EQ(dirs(request_record{{1, 2}, {}, rename_record{"/a/x", "/b"}}),
            (v{"/a", "/", "/", "/a/x/**"}));
  EXPECT_EQ(dirs(grow_record{"/a/f", 1, 10, {}}), (v{"/a", "/"}));
  EXPECT_EQ(dirs(allocate_record{chunk_handle{1}, 2}), v{});
  EXPECT_EQ(dirs(bump_version_record{chunk_handle{1}, 2, {}}), v{});
  EXPECT_EQ(parent_dir("/"), "");
  EXPECT_EQ(parent_dir("/a"), "/");
  EXPECT_EQ(parent_dir("/a/b"), "/a");
}

// -- through master_core ----------------------------------------------------------------------

core_options opts() {
  core_options o;
  o.write_quorum = 2;
  o.meta.replication = 3;
  o.default_chunk_size_bytes = 1024;
  o.dir_lease_term = 500ms;
  return o;
}

struct leased_core : test::core_driver {
  leased_core() : core_driver(opts()) {}
  request_token next = 1;
  request_token ask(ns_op op, const std::string& path, uint64_t client) {
    auto t = next++;
    (void)c.on_request(t, ns_request{op, path, {}, client, client == 0 ? 0 : next}, now);
    return t;
  }
  request_token put(const std::string& path, uint64_t client) {
    auto t = next++;
    put_commit commit{path, 0, {}, 0, client, next};
    commit.inline_data = "bytes of " + path;
    (void)c.on_commit(t, commit, now, 1000);
    return t;
  }
  static bool answered(const master_effects& fx, request_token t) {
    for (auto& r : fx.replies)
      if (r.token == t) return true;
    return false;
  }
};

TEST(DirLeasesCore, AStatDirBringsTheDirectoryAndAnotherClientsChangeIsAnsweredAfterTheLease) {
  leased_core d;
  d.start({17100, 17200, 17300});
  d.ask(ns_op::mkdir, "/d", writer);
  d.put("/d/f", writer);
  d.put("/d/g", writer);
  d.ask(ns_op::mkdir, "/d/sub", writer);
  d.ask(ns_op::mkdir, "/d/sub/x", writer);
  (void)d.flush();
  d.now += 3s;  // the writer's changes are past the quiet time
  auto listing = d.c.read_dir_now(ns_request{ns_op::stat_dir, "/d/f", {}, reader, 0}, d.now);
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->status, errc::ok) << listing->error;
  EXPECT_EQ(listing->lease_ms, 500u);
  ASSERT_EQ(listing->entries.size(), 3u);
  ASSERT_EQ(listing->versions.size(), 3u);
  EXPECT_EQ(listing->entries[0].name, "/d/f");
  EXPECT_EQ(listing->versions[0].number, 1u);
  EXPECT_EQ(listing->entries[2].name, "/d/sub");
  EXPECT_TRUE(listing->entries[2].is_dir);
  EXPECT_EQ(listing->entries[2].chunk_count, 1u) << "a directory's entry count, as stat says";
  EXPECT_TRUE(d.c.change_may_wait(writer, d.now));
  EXPECT_FALSE(d.c.change_may_wait(reader, d.now));

  // The writer's new version is applied at once, durable, and answered only after the lease.
  d.now += 100ms;
  auto put = d.put("/d/f", writer);
  auto fx = d.flush();
  EXPECT_FALSE(leased_core::answered(fx, put));
  ASSERT_TRUE(fx.wake_at);
  EXPECT_EQ(*fx.wake_at, d.now + 400ms);
  auto plain = d.c.read_now(ns_request{ns_op::stat, "/d/f"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->versions.at(0).number, 2u) << "applied at once";
  EXPECT_FALSE(leased_core::answered(d.c.release_held(d.now + 399ms), put));
  EXPECT_TRUE(leased_core::answered(d.c.release_held(d.now + 400ms), put));

  // A change below a leased subdirectory changes its entry count in the listing: held too.
  d.now += 3s;
  ASSERT_EQ(d.c.read_dir_now(ns_request{ns_op::stat_dir, "/d/f", {}, reader, 0}, d.now)->lease_ms,
            500u);
  auto sub = d.ask(ns_op::mkdir, "/d/sub/y", writer);
  EXPECT_FALSE(leased_core::answered(d.flush(), sub));
  // The tick releases them too.
  EXPECT_TRUE(leased_core::answered(d.c.on_tick(d.now + 500ms), sub));
}

// Found by the cluster test: a client whose attempt timed out asked again, and the request
// table answered the retry at once, past the hold.
TEST(DirLeasesCore, ARetryOfAHeldChangeIsHeldAsLong) {
  leased_core d;
  d.start({17100, 17200, 17300});
  d.ask(ns_op::mkdir, "/d", reader);
  (void)d.flush();
  ASSERT_EQ(d.c.read_dir_now(ns_request{ns_op::stat_dir, "/d", {}, reader, 0}, d.now)->lease_ms,
            500u);
  auto t = d.next++;
  ns_request mk{ns_op::mkdir, "/d/x", {}, writer, 42};
  (void)d.c.on_request(t, mk, d.now);
  auto fx = d.flush();
  ASSERT_FALSE(leased_core::answered(fx, t));
  d.now += 100ms;
  auto retry = d.c.on_request(t + 100, mk, d.now);
  EXPECT_FALSE(leased_core::answered(retry, t + 100)) << "answered from the request table";
  EXPECT_TRUE(retry.wake_at);
  EXPECT_TRUE(d.c.change_may_wait(writer, d.now)) << "so the port's thread leaves it alone";
  auto released = d.c.release_held(d.now + 400ms);
  EXPECT_TRUE(leased_core::answered(released, t));
  EXPECT_TRUE(leased_core::answered(released, t + 100));
}

TEST(DirLeasesCore, TheHoldersOwnChangeIsAnsweredAtOnceAndAWriteSharedDirectoryIsNotLeased) {
  leased_core d;
  d.start({17100, 17200, 17300});
  d.ask(ns_op::mkdir, "/d", reader);
  d.put("/d/f", reader);
  (void)d.flush();
  auto listing = d.c.read_dir_now(ns_request{ns_op::stat_dir, "/d/f", {}, reader, 0}, d.now);
  ASSERT_EQ(listing->lease_ms, 500u);
  auto rm = d.ask(ns_op::remove, "/d/f", reader);
  auto fx = d.flush();
  EXPECT_TRUE(leased_core::answered(fx, rm));
  EXPECT_FALSE(fx.wake_at);
  // Another client changed /d just now: no lease, a plain stat.
  d.put("/d/g", writer);
  (void)d.flush();
  auto plain = d.c.read_dir_now(ns_request{ns_op::stat_dir, "/d/g", {}, reader, 0}, d.now);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->lease_ms, 0u);
  ASSERT_EQ(plain->entries.size(), 1u);
  EXPECT_EQ(plain->entries[0].name, "/d/g");
  // Bad input: a missing file and a bad path are errors, as for stat.
  auto missing = d.c.read_dir_now(ns_request{ns_op::stat_dir, "/d/nope", {}, reader, 0}, d.now);
  EXPECT_EQ(missing->status, errc::not_found);
  auto bad = d.c.read_dir_now(ns_request{ns_op::stat_dir, "d//x", {}, reader, 0}, d.now);
  EXPECT_EQ(bad->status, errc::invalid_path);
  // The root has no directory to lease: a plain stat.
  EXPECT_EQ(d.c.read_dir_now(ns_request{ns_op::stat_dir, "/", {}, reader, 0}, d.now)->lease_ms, 0u);
}

TEST(DirLeasesCore, AMasterStartingFromALogHoldsAnswersOneTerm) {
  leased_core d;
  d.start({17100, 17200, 17300});
  d.ask(ns_op::mkdir, "/d", writer);
  (void)d.flush();
  master_core again(opts(), node_id{"127.0.0.1", 17000, 2});
  ASSERT_TRUE(again.recover({}, d.log, d.now).ok());
  EXPECT_TRUE(again.change_may_wait(writer, d.now));
  (void)again.on_request(1, ns_request{ns_op::mkdir, "/d/e", {}, writer, 99}, d.now);
  auto b = again.take_batch();
  ASSERT_TRUE(b);
  auto fx = again.on_batch_durable(b->id, true, 10, d.now);
  EXPECT_TRUE(fx.replies.empty());
  EXPECT_EQ(fx.wake_at, std::optional<core::time_point>(d.now + 500ms));
  EXPECT_EQ(again.release_held(d.now + 500ms).replies.size(), 1u);
  // A new cluster (nothing logged) holds nothing.
  test::core_driver fresh(opts());
  fresh.start({});
  EXPECT_FALSE(fresh.c.change_may_wait(writer, fresh.now));
}

}  // namespace
}  // namespace dfs::master
