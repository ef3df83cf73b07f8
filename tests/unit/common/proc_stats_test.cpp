#include "common/proc_stats.hpp"

#include <gtest/gtest.h>

namespace dfs {
namespace {

TEST(ProcStats, ParsesRssAndThreads) {
  auto s = parse_proc_status(
      "Name:\tdfsnode\nVmPeak:\t  99999 kB\nVmRSS:\t   12345 kB\nThreads:\t17\nSigQ:\t0/1\n");
  EXPECT_EQ(s.rss_bytes, 12345u * 1024);
  EXPECT_EQ(s.threads, 17u);
  EXPECT_EQ(s.open_fds, 0u);
}

TEST(ProcStats, MissingOrMalformedFieldsStayZero) {
  EXPECT_EQ(parse_proc_status("").rss_bytes, 0u);
  auto s = parse_proc_status("VmRSS:\tlots kB\nThreads:\nVmRSSX\nThreads: -3\n");
  EXPECT_EQ(s.rss_bytes, 0u);
  EXPECT_EQ(s.threads, 0u);
  // No trailing newline, and a value that would overflow bytes.
  EXPECT_EQ(parse_proc_status("Threads: 4").threads, 4u);
  EXPECT_EQ(parse_proc_status("VmRSS: 99999999999999999999 kB").rss_bytes, 0u);
  EXPECT_EQ(parse_proc_status("VmRSS: 18014398509481984 kB").rss_bytes, 0u);
}

TEST(ProcStats, ReadsThisProcess) {
  auto s = read_proc_stats();
  EXPECT_GT(s.rss_bytes, 0u);
  EXPECT_GE(s.threads, 1u);
  EXPECT_GE(s.open_fds, 1u);  // stderr at least
}

}  // namespace
}  // namespace dfs
