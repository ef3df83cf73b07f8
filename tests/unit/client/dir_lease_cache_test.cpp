// The client's directory leases (client/dir_lease_cache.hpp): stats answered from a stat_dir
// reply while its lease runs (ended an eighth early), none after, none once this process
// changed something, and none kept from a reply asked before a change.
#include <gtest/gtest.h>

#include "client/dir_lease_cache.hpp"

namespace dfs {
namespace {

using namespace std::chrono_literals;
using clock = dir_lease_cache::clock;

ns_reply listing(uint32_t lease_ms) {
  ns_reply r;
  r.entries = {{"/d/f", false, 4096, 7, 2, 0}, {"/d/sub", true, 0, 0, 0, 3}};
  r.versions = {{2, 7, 4096, 65536, 0}, {}};
  r.lease_ms = lease_ms;
  return r;
}

TEST(DirLeaseCache, AnswersWhileTheLeaseRunsAndForgetsOnAChange) {
  dir_lease_cache c;
  auto asked = clock::now();
  c.keep("/d", listing(800), asked, c.generation());
  auto f = c.find("/d/f", asked + 10ms);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->entries.size(), 1u);
  EXPECT_EQ(f->entries[0].size_bytes, 4096u);
  ASSERT_EQ(f->versions.size(), 1u);
  EXPECT_EQ(f->versions[0].number, 2u);
  auto sub = c.find("/d/sub", asked + 10ms);
  ASSERT_TRUE(sub);
  EXPECT_TRUE(sub->versions.empty()) << "a directory's stat has no version";
  EXPECT_EQ(sub->entries[0].chunk_count, 3u);
  EXPECT_FALSE(c.find("/d/none", asked)) << "not listed: asked of the master";
  EXPECT_FALSE(c.find("/e/f", asked));
  EXPECT_TRUE(c.find("/d/f", asked + 699ms));
  EXPECT_FALSE(c.find("/d/f", asked + 700ms)) << "ends an eighth before the master's term";
  c.keep("/d", listing(800), asked, c.generation());
  c.forget();
  EXPECT_FALSE(c.find("/d/f", asked));
}

TEST(DirLeaseCache, AReplyAskedBeforeAChangeIsNotKept) {
  dir_lease_cache c;
  auto gen = c.generation();
  c.forget();  // this process changed something while the stat_dir was on its way
  c.keep("/d", listing(500), clock::now(), gen);
  EXPECT_FALSE(c.find("/d/f", clock::now()));
}

TEST(DirLeaseCache, PlainOrMalformedRepliesAreNotKept) {
  dir_lease_cache c;
  c.keep("/d", listing(0), clock::now(), c.generation());
  EXPECT_FALSE(c.find("/d/f", clock::now())) << "no lease";
  auto bad = listing(500);
  bad.versions.pop_back();
  c.keep("/d", bad, clock::now(), c.generation());
  EXPECT_FALSE(c.find("/d/f", clock::now())) << "entries and versions do not pair up";
  EXPECT_FALSE(dir_lease_cache::stat_in(bad, "/d/f"));
  EXPECT_TRUE(dir_lease_cache::stat_in(listing(500), "/d/f"));
}

}  // namespace
}  // namespace dfs
