#include "core/master/leader_hint.hpp"

#include <gtest/gtest.h>

using namespace dfs;

TEST(LeaderHint, NamesTheActiveMasterAndReadsItBack) {
  auto line = master::not_leader_message(endpoint{"127.0.0.1", 17010});
  EXPECT_EQ(line, "not the active master (active: 127.0.0.1:17010)");
  EXPECT_TRUE(master::is_not_leader(line));
  // Inside a rendered CAF error too.
  auto hint = master::leader_hint("error(runtime_error, \"" + line + "\")");
  ASSERT_TRUE(hint);
  EXPECT_EQ(hint->to_string(), "127.0.0.1:17010");
}

TEST(LeaderHint, UnknownOrOtherErrorsGiveNoHint) {
  auto line = master::not_leader_message(std::nullopt);
  EXPECT_TRUE(master::is_not_leader(line));
  EXPECT_FALSE(master::leader_hint(line));
  EXPECT_FALSE(master::is_not_leader("no such file"));
  EXPECT_FALSE(master::leader_hint("not the active master (active: garbage"));
}
