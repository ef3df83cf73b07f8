// progress_ticker: no thread off a terminal; on one, it draws every period, and stop() ends it
// at once (not after the rest of a period) with one `finish`.
#include "client/progress_ticker.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

namespace dfs {
namespace {

using namespace std::chrono_literals;

// Points fds 1 and 2 at `fd` for the test's lifetime, then back.
class redirected_std {
 public:
  explicit redirected_std(int fd) : out_(::dup(1)), err_(::dup(2)) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  ~redirected_std() {
    ::dup2(out_, 1);
    ::dup2(err_, 2);
    ::close(out_);
    ::close(err_);
  }

 private:
  int out_, err_;
};

struct counts {
  std::mutex mu;
  std::condition_variable cv;
  int draws = 0, finishes = 0;
  progress_ticker make(std::chrono::milliseconds period, bool also_stdout) {
    return progress_ticker(
        period,
        [this] {
          std::lock_guard lk(mu);
          ++draws;
          cv.notify_all();
        },
        [this] {
          std::lock_guard lk(mu);
          ++finishes;
        },
        also_stdout);
  }
};

TEST(ProgressTicker, OffATerminalStartsNoThreadAndDrawsNothing) {
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  counts c;
  {
    redirected_std r(null);
    auto t = c.make(1ms, false);
    EXPECT_FALSE(t.running()) << "stderr is /dev/null";
    t.stop();
  }
  ::close(null);
  EXPECT_EQ(c.draws, 0);
  EXPECT_EQ(c.finishes, 0);
}

TEST(ProgressTicker, OnATerminalDrawsUntilStoppedThenFinishesOnce) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  int tty = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(tty, 0);
  counts fast, slow;
  {
    redirected_std r(tty);
    auto t = fast.make(1ms, true);
    EXPECT_TRUE(t.running());
    {
      std::unique_lock lk(fast.mu);
      EXPECT_TRUE(fast.cv.wait_for(lk, 30s, [&] { return fast.draws >= 3; }))
          << "a 1 ms ticker drew " << fast.draws << " times in 30 s";
    }
    t.stop();
    t.stop();  // a second stop is harmless
    // A ticker whose period is an hour: stop() must wake it, not wait the hour out (the
    // test's timeout fails it if it does).
    auto hourly = slow.make(std::chrono::hours(1), true);
    EXPECT_TRUE(hourly.running());
    hourly.stop();
  }
  ::close(tty);
  ::close(master);
  EXPECT_EQ(fast.finishes, 1);
  EXPECT_EQ(slow.finishes, 1);
  EXPECT_EQ(slow.draws, 0);
}

}  // namespace
}  // namespace dfs
