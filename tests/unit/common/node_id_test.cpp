#include "common/node_id.hpp"

#include <gtest/gtest.h>

using dfs::endpoint;
using dfs::node_id;

TEST(NodeId, RoundTrip) {
  node_id n{"127.0.0.1", 17010, 1719000000123};
  EXPECT_EQ(n.to_string(), "127.0.0.1:17010#1719000000123");
  EXPECT_EQ(node_id::parse(n.to_string()), n);
}

TEST(NodeId, RejectsGarbage) {
  for (const char* s : {"", "host", "host:", ":1", "h:0", "h:70000", "h:1#", "h:1#x", "h:x#1"})
    EXPECT_FALSE(node_id::parse(s).has_value()) << s;
  EXPECT_FALSE(endpoint::parse("h:-1").has_value());
  EXPECT_EQ(endpoint::parse("h:5")->port, 5);
}
