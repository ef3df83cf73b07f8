// A node's ports are all derived from its control port, in one place (common/ports.hpp).
#include "common/ports.hpp"

#include <gtest/gtest.h>

#include "common/config.hpp"

namespace dfs {
namespace {

TEST(Ports, OffsetsFromTheControlPort) {
  static_assert(data_port_of(7000) == 7001);
  static_assert(multicast_port_of(7000) == 7002);
  static_assert(http_port_of(7000) == 7003);
  config c;
  c.node.port = 17100;
  EXPECT_EQ(c.control_port(), 17100);
  EXPECT_EQ(c.data_port(), data_port_of(17100));
  EXPECT_EQ(c.multicast_port(), multicast_port_of(17100));
  EXPECT_EQ(c.http_port(), http_port_of(17100));
}

}  // namespace
}  // namespace dfs
