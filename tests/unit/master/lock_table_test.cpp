// The file lock table (core/master/lock_table.hpp): sharing, exclusion, FIFO waiters, expiry,
// renewal, release, and the refusal of bad input.
#include <gtest/gtest.h>

#include "core/master/lock_table.hpp"

namespace dfs::master {
namespace {

using std::chrono::milliseconds;
const core::time_point t0{};

lock_request req(uint64_t client, lock_mode mode, uint64_t ttl_ms = 1000, uint64_t wait_ms = 0,
                 std::string path = "/f") {
  lock_request r;
  r.op = lock_op::acquire;
  r.path = std::move(path);
  r.mode = mode;
  r.ttl_ms = ttl_ms;
  r.wait_ms = wait_ms;
  r.client_id = client;
  r.owner = "c" + std::to_string(client);
  return r;
}

TEST(lock_table, readers_share_and_a_writer_excludes) {
  lock_table t;
  std::vector<lock_answer> a;
  auto r1 = t.acquire(1, req(1, lock_mode::shared), t0, a);
  auto r2 = t.acquire(2, req(2, lock_mode::shared), t0, a);
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->status, errc::ok);
  EXPECT_EQ(r2->status, errc::ok);
  EXPECT_EQ(r1->expires_in_ms, 1000u);
  auto w = t.acquire(3, req(3, lock_mode::exclusive), t0, a);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, errc::busy);
  EXPECT_NE(w->error.find("held by c1, c2 (shared, expires in 1 s)"), std::string::npos)
      << w->error;
  EXPECT_FALSE(t.holds_exclusive("/f", 1, t0));
  EXPECT_TRUE(a.empty());
}

TEST(lock_table, waiter_is_granted_on_release_and_blocks_later_readers) {
  lock_table t;
  std::vector<lock_answer> a;
  ASSERT_EQ(t.acquire(1, req(1, lock_mode::shared), t0, a)->status, errc::ok);
  EXPECT_FALSE(t.acquire(2, req(2, lock_mode::exclusive, 1000, 5000), t0, a));  // waits
  // A reader after a waiting writer waits too: the writer is not starved.
  EXPECT_FALSE(t.acquire(3, req(3, lock_mode::shared, 1000, 5000), t0, a));
  auto rel = req(1, lock_mode::shared);
  rel.op = lock_op::release;
  EXPECT_EQ(t.release(rel, t0 + milliseconds(10), a).status, errc::ok);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].token, 2u);
  EXPECT_EQ(a[0].reply.status, errc::ok);
  EXPECT_TRUE(t.holds_exclusive("/f", 2, t0 + milliseconds(10)));
  EXPECT_TRUE(t.locked_by_other("/f", 3, t0 + milliseconds(10)));
  EXPECT_FALSE(t.locked_by_other("/f", 2, t0 + milliseconds(10)));
  a.clear();
  rel.client_id = 2;
  EXPECT_EQ(t.release(rel, t0 + milliseconds(20), a).status, errc::ok);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].token, 3u);
  EXPECT_EQ(a[0].reply.status, errc::ok);
}

TEST(lock_table, waiter_past_its_deadline_is_told_who_holds_the_lock) {
  lock_table t;
  std::vector<lock_answer> a;
  ASSERT_EQ(t.acquire(1, req(1, lock_mode::exclusive, 60000), t0, a)->status, errc::ok);
  EXPECT_FALSE(t.acquire(2, req(2, lock_mode::shared, 1000, 500), t0, a));
  EXPECT_TRUE(t.on_tick(t0 + milliseconds(499)).empty());
  auto out = t.on_tick(t0 + milliseconds(500));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].token, 2u);
  EXPECT_EQ(out[0].reply.status, errc::busy);
  EXPECT_NE(out[0].reply.error.find("held by c1 (exclusive, expires in 60 s)"), std::string::npos)
      << out[0].reply.error;
}

TEST(lock_table, expiry_drops_the_holder_and_grants_the_waiter) {
  lock_table t;
  std::vector<lock_answer> a;
  ASSERT_EQ(t.acquire(1, req(1, lock_mode::exclusive, 1000), t0, a)->status, errc::ok);
  EXPECT_FALSE(t.acquire(2, req(2, lock_mode::exclusive, 1000, 5000), t0, a));
  EXPECT_TRUE(t.on_tick(t0 + milliseconds(999)).empty());
  auto out = t.on_tick(t0 + milliseconds(1000));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reply.status, errc::ok);
  EXPECT_TRUE(t.holds_exclusive("/f", 2, t0 + milliseconds(1000)));
}

TEST(lock_table, renewal_extends_and_a_lost_lock_says_so) {
  lock_table t;
  std::vector<lock_answer> a;
  ASSERT_EQ(t.acquire(1, req(1, lock_mode::exclusive, 1000), t0, a)->status, errc::ok);
  auto rn = req(1, lock_mode::exclusive, 1000);
  rn.op = lock_op::renew;
  auto r = t.renew(rn, t0 + milliseconds(900), a);
  EXPECT_EQ(r.status, errc::ok);
  EXPECT_EQ(r.expires_in_ms, 1000u);
  EXPECT_TRUE(t.holds_exclusive("/f", 1, t0 + milliseconds(1500)));
  // Past the expiry the hold is gone, even with nobody else asking.
  r = t.renew(rn, t0 + milliseconds(1900), a);
  EXPECT_EQ(r.status, errc::not_found);
  EXPECT_NE(r.error.find("lost"), std::string::npos);
  EXPECT_TRUE(t.all().empty());
  // A fresh table (a new active master) knows no lock.
  lock_table fresh;
  EXPECT_EQ(fresh.renew(rn, t0, a).status, errc::not_found);
}

TEST(lock_table, sole_reader_may_upgrade_and_retry_replaces_a_waiting_request) {
  lock_table t;
  std::vector<lock_answer> a;
  ASSERT_EQ(t.acquire(1, req(1, lock_mode::shared), t0, a)->status, errc::ok);
  ASSERT_EQ(t.acquire(2, req(1, lock_mode::exclusive), t0, a)->status, errc::ok);
  EXPECT_TRUE(t.holds_exclusive("/f", 1, t0));
  EXPECT_FALSE(t.acquire(3, req(2, lock_mode::shared, 1000, 5000), t0, a));
  EXPECT_FALSE(t.acquire(4, req(2, lock_mode::shared, 1000, 5000), t0, a));  // a retry
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].token, 3u);
  EXPECT_EQ(a[0].reply.status, errc::busy);
  EXPECT_EQ(t.all().at("/f").waiters.size(), 1u);
}

TEST(lock_table, bad_input_is_refused_with_one_clear_error) {
  lock_table t({std::chrono::minutes(10), 2, 1});
  std::vector<lock_answer> a;
  auto zero = t.acquire(1, req(1, lock_mode::shared, 0), t0, a);
  EXPECT_EQ(zero->status, errc::invalid_argument);
  EXPECT_NE(zero->error.find("ttl 0 ms out of range"), std::string::npos) << zero->error;
  EXPECT_EQ(t.acquire(1, req(1, lock_mode::shared, 600001), t0, a)->status, errc::invalid_argument);
  auto bad_mode = req(1, lock_mode::shared);
  bad_mode.mode = static_cast<lock_mode>(7);
  EXPECT_NE(t.acquire(1, bad_mode, t0, a)->error.find("unknown mode"), std::string::npos);
  EXPECT_EQ(t.acquire(1, req(1, lock_mode::shared, 1000, 0, "no/slash"), t0, a)->status,
            errc::invalid_path);
  EXPECT_EQ(t.acquire(1, req(1, lock_mode::shared, 1000, 0, "/"), t0, a)->status,
            errc::invalid_path);
  EXPECT_EQ(t.acquire(1, req(0, lock_mode::shared), t0, a)->status, errc::invalid_argument);
  // Limits: paths and waiters.
  EXPECT_EQ(t.acquire(1, req(1, lock_mode::exclusive, 1000, 0, "/a"), t0, a)->status, errc::ok);
  EXPECT_EQ(t.acquire(1, req(1, lock_mode::exclusive, 1000, 0, "/b"), t0, a)->status, errc::ok);
  EXPECT_EQ(t.acquire(1, req(1, lock_mode::exclusive, 1000, 0, "/c"), t0, a)->status, errc::busy);
  EXPECT_FALSE(t.acquire(2, req(2, lock_mode::shared, 1000, 100, "/a"), t0, a));
  EXPECT_EQ(t.acquire(3, req(3, lock_mode::shared, 1000, 100, "/a"), t0, a)->status, errc::busy);
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace dfs::master
