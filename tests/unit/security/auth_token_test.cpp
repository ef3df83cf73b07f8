// Control-plane tokens: what verifies, and every way one must not.
#include <gtest/gtest.h>

#include <vector>

#include "common/crypto.hpp"
#include "core/security/auth_token.hpp"
#include "core/security/login_challenge.hpp"

using namespace dfs;
using namespace dfs::security;

namespace {

const std::string key = auth_token_key("cluster secret");
const auth_claims alice{principal_kind::client, "alice", 1000};

}  // namespace

TEST(AuthToken, RoundTripsItsClaims) {
  auto t = sign_auth_token(alice, key);
  auto r = verify_auth_token(t, key, 999);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(*r, alice);
}

TEST(AuthToken, IsPrintableSoItCanBeABearerToken) {
  auth_claims odd{principal_kind::admin, "a.b\n\x01 ü", 5};
  auto t = sign_auth_token(odd, key);
  for (char c : t) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '.') << t;
  EXPECT_EQ(*verify_auth_token(t, key, 1), odd);
}

TEST(AuthToken, ExpiresAtItsExpiry) {
  auto t = sign_auth_token(alice, key);
  EXPECT_EQ(verify_auth_token(t, key, 1000).err().code, token_errc::expired);
}

TEST(AuthToken, AnotherClusterKeyIsRefused) {
  auto t = sign_auth_token(alice, auth_token_key("other"));
  EXPECT_EQ(verify_auth_token(t, key, 1).err().code, token_errc::bad_signature);
}

TEST(AuthToken, AnyChangedFieldBreaksTheSignature) {
  auto t = sign_auth_token(alice, key);
  // client -> admin, longer expiry, another subject: each edit must be caught.
  auto promote = t;
  promote.replace(promote.find("client"), 6, "admin");
  EXPECT_FALSE(verify_auth_token(promote, key, 1).ok());
  auto later = t;
  later.replace(later.find(".1000."), 6, ".9000.");
  EXPECT_EQ(verify_auth_token(later, key, 1).err().code, token_errc::bad_signature);
  auto other = sign_auth_token({principal_kind::client, "bob", 1000}, key);
  auto spliced = t.substr(0, t.rfind('.')) + other.substr(other.rfind('.'));
  EXPECT_EQ(verify_auth_token(spliced, key, 1).err().code, token_errc::bad_signature);
}

TEST(AuthToken, MalformedInputIsAnErrorNotACrash) {
  for (std::string bad : std::vector<std::string>{
           "", ".", "dfs1", "dfs1....", "dfs2.client.1.00.00", "dfs1.client.x.00.zz",
           std::string(5000, 'a'), std::string("dfs1.client.1.00.") + '\0'})
    EXPECT_FALSE(verify_auth_token(bad, key, 0).ok()) << bad;
}

TEST(AuthToken, AdminCoversClientButNothingElseCrossesKinds) {
  EXPECT_TRUE(kind_allows(principal_kind::admin, principal_kind::client));
  EXPECT_TRUE(kind_allows(principal_kind::server, principal_kind::server));
  EXPECT_FALSE(kind_allows(principal_kind::client, principal_kind::admin));
  EXPECT_FALSE(kind_allows(principal_kind::client, principal_kind::server));
  EXPECT_FALSE(kind_allows(principal_kind::admin, principal_kind::server));
  EXPECT_FALSE(kind_allows(principal_kind::server, principal_kind::admin));
}

TEST(LoginChallenge, IsGoodForItsTtlOnly) {
  auto k = challenge_key("cluster secret");
  auto c = make_challenge(k, 100, std::string(16, 'r'));
  EXPECT_EQ(c.size(), challenge_bytes);
  EXPECT_TRUE(check_challenge(k, c, 100));
  EXPECT_TRUE(check_challenge(k, c, 100 + challenge_ttl_s));
  EXPECT_FALSE(check_challenge(k, c, 101 + challenge_ttl_s));
  EXPECT_FALSE(check_challenge(k, c, 90));  // issued "in the future" beyond the tolerance
  EXPECT_FALSE(check_challenge(challenge_key("other"), c, 100));
  auto forged = c;
  forged[0] = static_cast<char>(forged[0] + 1);  // move the issue time
  EXPECT_FALSE(check_challenge(k, forged, 100));
  EXPECT_FALSE(check_challenge(k, c.substr(1), 100));
}

TEST(LoginChallenge, SigningInputIsBoundToItsContext) {
  EXPECT_EQ(login_signing_input("abc"), "dfsnode login v1\nabc");
}
