// A server's own token (core/security/server_token.hpp): verifiable as a server token for its
// name, kept while young (no HMAC per request), replaced from half its lifetime on, so that a
// token handed out is never within half a lifetime of expiring.
#include "core/security/server_token.hpp"

#include <gtest/gtest.h>

#include "core/security/auth_token.hpp"

namespace dfs::security {
namespace {

TEST(ServerToken, VerifiesAsAServerKeptWhileYoungRenewedAtHalfLife) {
  auto key = auth_token_key("a cluster key");
  server_token t("10.0.0.1:7000#5", key, 600);
  uint64_t t0 = 1'800'000'000;
  std::string first = t.at(t0);
  auto c = verify_auth_token(first, key, t0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, principal_kind::server);
  EXPECT_EQ(c->subject, "10.0.0.1:7000#5");
  EXPECT_EQ(c->expiry_s, t0 + 600);
  EXPECT_EQ(t.at(t0 + 299), first) << "minted again before half its life";
  std::string second = t.at(t0 + 300);
  EXPECT_NE(second, first);
  auto c2 = verify_auth_token(second, key, t0 + 300);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->expiry_s, t0 + 900);
  // Another key's server does not pass.
  EXPECT_FALSE(verify_auth_token(first, auth_token_key("another key"), t0).ok());
}

}  // namespace
}  // namespace dfs::security
