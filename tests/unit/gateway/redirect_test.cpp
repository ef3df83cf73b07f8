// Redirect decisions: serve here when this host holds as many chunks as any, otherwise the
// gateway on the host holding the most; the version found here is pinned in the new target.
#include <gtest/gtest.h>

#include "core/gateway/redirect.hpp"

using namespace dfs::gateway;

namespace {

const std::vector<gateway_addr> gateways = {{"10.0.0.1", 17033}, {"10.0.0.2", 17043}};

}  // namespace

TEST(Redirect, ServesHereWhenThisHostHoldsTheBytes) {
  EXPECT_FALSE(
      redirect_location("10.0.0.1", {{"10.0.0.1", "10.0.0.2"}}, gateways, "https", "/files/a", 3));
  EXPECT_FALSE(redirect_location("10.0.0.1", {}, gateways, "https", "/files/a", 3));  // empty file
}

TEST(Redirect, ToTheGatewayOnTheHostWithMostChunks) {
  auto l = redirect_location("10.0.0.9", {{"10.0.0.3", "10.0.0.2"}, {"10.0.0.2"}}, gateways,
                             "https", "/files/a%20b?x=1&version=7", 3);
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, "https://10.0.0.2:17043/files/a%20b?x=1&version=3");
  // This host holds fewer chunks than 10.0.0.2.
  l = redirect_location("10.0.0.1", {{"10.0.0.1", "10.0.0.2"}, {"10.0.0.2"}}, gateways, "http",
                        "/files/a", 4);
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, "http://10.0.0.2:17043/files/a?version=4");
}

TEST(Redirect, NoGatewayOnTheReplicaHostsServesHere) {
  EXPECT_FALSE(
      redirect_location("10.0.0.9", {{"10.0.0.5", "10.0.0.6"}}, gateways, "https", "/files/a", 1));
}

TEST(Redirect, Ipv6HostsAreBracketed) {
  auto l = redirect_location("::1", {{"fd00::2"}}, {{"fd00::2", 80}}, "https", "/files/a", 1);
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, "https://[fd00::2]:80/files/a?version=1");
}
