// scrub_pacer: a pass keeps to its byte rate, passes start once per interval and never back
// to back, progress and corrupt counts are what the console shows.
#include "core/chunkstore/scrub_pacer.hpp"

#include <gtest/gtest.h>

namespace dfs::chunkstore {
namespace {

using namespace std::chrono_literals;

core::time_point at(core::duration d) {
  return core::time_point{} + d;
}

TEST(ScrubPacer, APassKeepsToItsByteRate) {
  scrub_pacer p({1000, std::chrono::hours(24), 1s});
  p.start_pass(2, 3000, at(0s));
  // 1,000 bytes at once: one second ahead of the rate.
  EXPECT_EQ(p.on_verified(1000, false, false, at(0s)), core::duration(1s));
  // Half a second later, 500 more: due at 1.5 s, so one more second.
  EXPECT_EQ(p.on_verified(500, true, false, at(500ms)), core::duration(1s));
  // Behind the rate: no wait.
  EXPECT_EQ(p.on_verified(1500, true, true, at(10s)), core::duration::zero());
  EXPECT_EQ(p.progress().chunks_done, 2u);
  EXPECT_EQ(p.progress().bytes_done, 3000u);
  EXPECT_EQ(p.progress().corrupt_this_pass, 1u);
}

TEST(ScrubPacer, PassesStartOncePerIntervalAndNeverBackToBack) {
  scrub_pacer p({1 << 20, 10s, 1s});
  EXPECT_EQ(p.next_pass_at(at(5s)), at(5s));  // the first pass: at once
  p.start_pass(1, 10, at(5s));
  (void)p.on_verified(10, true, true, at(6s));
  p.finish_pass(at(7s));
  EXPECT_EQ(p.progress().last_pass_took, core::duration(2s));
  EXPECT_EQ(p.next_pass_at(at(7s)), at(15s));  // one interval after the last start
  // A pass longer than the interval: the next one waits the minimum gap only.
  p.start_pass(1, 10, at(15s));
  p.finish_pass(at(40s));
  EXPECT_EQ(p.next_pass_at(at(40s)), at(41s));
  // Interval 0 (back to back) on an empty store still keeps the gap.
  scrub_pacer q({1 << 20, core::duration::zero(), 1s});
  q.start_pass(0, 0, at(0s));
  q.finish_pass(at(0s));
  EXPECT_EQ(q.next_pass_at(at(0s)), at(1s));
  // Corrupt replicas are counted across passes.
  p.start_pass(1, 1, at(41s));
  (void)p.on_verified(1, true, true, at(41s));
  EXPECT_EQ(p.progress().corrupt_this_pass, 1u);
  EXPECT_EQ(p.progress().corrupt_total, 2u);
  EXPECT_EQ(p.progress().passes_done, 2u);
}

}  // namespace
}  // namespace dfs::chunkstore
