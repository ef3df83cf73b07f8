// retry_policy: one deadline for the whole call, growing attempt timeouts, backoff with jitter.
#include "client/retry_policy.hpp"

#include <gtest/gtest.h>

namespace dfs {
namespace {

using ms = std::chrono::milliseconds;
const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

TEST(RetryPolicy, AttemptsGrowAndNeverPassTheDeadline) {
  retry_policy p{t0, ms(8000)};
  EXPECT_EQ(p.attempt_timeout(t0), ms(2000)) << "a quarter of client.timeout_ms";
  auto now = t0 + ms(2000);
  auto pause = p.pause_after_failure(now, 0);
  ASSERT_TRUE(pause);
  EXPECT_GE(*pause, retry_policy::first_pause / 2);
  EXPECT_LE(*pause, retry_policy::first_pause);
  now += *pause;
  EXPECT_EQ(p.attempt_timeout(now), ms(4000));
  now += ms(4000);
  ASSERT_TRUE(p.pause_after_failure(now, 7));
  // Less than 8 s left in total: the attempt gets what is left, not 8 s.
  auto third = p.attempt_timeout(now + ms(100));
  ASSERT_TRUE(third);
  EXPECT_LE(now + ms(100) + *third, p.deadline());
  EXPECT_EQ(p.attempts(), 3u);
  EXPECT_FALSE(p.attempt_timeout(p.deadline()));
  EXPECT_FALSE(p.pause_after_failure(p.deadline() - ms(1), 0)) << "no attempt fits any more";
}

TEST(RetryPolicy, PausesDoubleUpToTheCapWithJitter) {
  retry_policy p{t0, ms(3600000)};
  ms last{0};
  for (int i = 0; i < 12; ++i) {
    auto lo = p.pause_after_failure(t0, 0);  // jitter at its lowest
    ASSERT_TRUE(lo);
    EXPECT_GE(*lo, last) << "pause " << i;
    EXPECT_LE(*lo, retry_policy::max_pause);
    last = *lo;
  }
  EXPECT_EQ(last, retry_policy::max_pause / 2);
  auto hi = p.pause_after_failure(t0, retry_policy::max_pause.count() / 2);
  EXPECT_EQ(*hi, retry_policy::max_pause);
  EXPECT_GE(retry_policy::min_attempt, ms(1000));
  retry_policy short_one{t0, ms(100)};
  EXPECT_EQ(short_one.attempt_timeout(t0), ms(100)) << "never more than the whole deadline";
}

TEST(RetryPolicy, SeveralMastersCapTheFirstAttemptThenItGrows) {
  retry_policy p{t0, ms(60000), ms(2000)};
  EXPECT_EQ(p.attempt_timeout(t0), ms(2000)) << "not a quarter of 60 s";
  ASSERT_TRUE(p.pause_after_failure(t0 + ms(2000), 0));
  EXPECT_EQ(p.attempt_timeout(t0 + ms(2100)), ms(4000)) << "a slow master still gets more time";
  retry_policy tiny{t0, ms(60000), ms(10)};
  EXPECT_EQ(tiny.attempt_timeout(t0), retry_policy::min_attempt);
  retry_policy short_total{t0, ms(4000), ms(2000)};
  EXPECT_EQ(short_total.attempt_timeout(t0), ms(1000)) << "a quarter of the total is less";
}

}  // namespace
}  // namespace dfs
