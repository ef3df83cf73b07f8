// master_finder: which master to ask next (hints first, else round robin; one master: it).
#include "core/master/master_finder.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/master/leader_hint.hpp"

namespace dfs::master {
namespace {

const endpoint a{"10.0.0.1", 17010}, b{"10.0.0.2", 17010}, c{"10.0.0.3", 17010};

TEST(MasterFinder, StartsWithTheFirstConfiguredMaster) {
  master_finder f({a, b, c});
  EXPECT_EQ(f.current(), a);
  EXPECT_EQ(f.size(), 3u);
  EXPECT_FALSE(f.single());
}

// The active master an earlier process found (client/active_master_memo.hpp) is asked first;
// a name that is no configured master changes nothing, and round robin goes on from there.
TEST(MasterFinder, StartsWithAPreferredConfiguredMaster) {
  master_finder f({a, b, c});
  EXPECT_FALSE(f.prefer(endpoint{"10.0.0.9", 17010}));
  EXPECT_EQ(f.current(), a);
  EXPECT_TRUE(f.prefer(c));
  EXPECT_EQ(f.current(), c);
  EXPECT_EQ(f.on_failure(), a);
}

TEST(MasterFinder, FollowsTheHintOfAStandby) {
  master_finder f({a, b, c});
  // What a client reads from a standby's reply or error text.
  auto hint = leader_hint("system_error(\"" + not_leader_message(c) + "\")");
  ASSERT_TRUE(hint);
  EXPECT_EQ(f.on_failure(hint), c);
  EXPECT_EQ(f.current(), c);
  f.on_success();
  EXPECT_EQ(f.current(), c) << "the active master is kept";
  EXPECT_EQ(f.failures(), 0u);
}

TEST(MasterFinder, IgnoresAHintThatIsNoConfiguredMaster) {
  master_finder f({a, b, c});
  EXPECT_EQ(f.on_failure(endpoint{"10.9.9.9", 17010}), b) << "round robin instead";
  EXPECT_EQ(f.size(), 3u);
  // "active: unknown" gives no hint at all.
  EXPECT_EQ(f.on_failure(leader_hint(not_leader_message(std::nullopt))), c);
}

TEST(MasterFinder, RoundRobinOverFailuresWithoutHints) {
  master_finder f({a, b, c});
  EXPECT_EQ(f.on_failure(), b);
  EXPECT_EQ(f.on_failure(), c);
  EXPECT_EQ(f.on_failure(), a);
  EXPECT_EQ(f.on_failure(), b);
  EXPECT_EQ(f.failures(), 4u);
  // A hint naming the master that just failed is no help: move on.
  EXPECT_EQ(f.on_failure(b), c);
}

TEST(MasterFinder, StandbysNamingEachOtherCannotHoldACallerForEver) {
  master_finder f({a, b, c});
  // a says b, b says a, ... (stale hints during an election): after size() hints in a row,
  // round robin; so every master is tried within a bounded number of failures.
  std::vector<endpoint> tried{f.current()};
  for (int i = 0; i < 8; ++i) {
    auto hint = f.current() == a ? b : a;
    tried.push_back(f.on_failure(hint));
  }
  EXPECT_NE(std::find(tried.begin(), tried.end(), c), tried.end());
}

TEST(MasterFinder, OneMasterIsAlwaysAsked) {
  master_finder f({a});
  EXPECT_TRUE(f.single());
  EXPECT_EQ(f.on_failure(), a);
  EXPECT_EQ(f.on_failure(b), a) << "a hint to an unknown master is ignored";
  EXPECT_EQ(f.on_failure(a), a);
  f.on_success();
  EXPECT_EQ(f.current(), a);
}

TEST(MasterFinder, ADiscoveredListLearnsHintedMasters) {
  // LAN discovery may have heard only a standby: its hint is added and followed.
  master_finder f({a}, hint_policy::learn);
  EXPECT_EQ(f.on_failure(c), c);
  EXPECT_EQ(f.size(), 2u);
  EXPECT_EQ(f.on_failure(), a);
  EXPECT_EQ(f.on_failure(c), c) << "known now: not added twice";
  EXPECT_EQ(f.size(), 2u);
}

}  // namespace
}  // namespace dfs::master
