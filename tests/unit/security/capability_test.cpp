#include "core/security/capability.hpp"

#include <gtest/gtest.h>

using namespace dfs::security;

namespace {

const std::string key = capability_key("cluster-secret");
constexpr uint64_t now_ms = 1'700'000'000'000;

capability write_cap() {
  return {capability_op::write, 42, 1, now_ms + 60'000, {"10.0.0.1:17001", "10.0.0.2:17001"}};
}

}  // namespace

TEST(Capability, SignedTokenVerifiesToTheSameClaims) {
  auto c = write_cap();
  auto v = verify_capability(sign_capability(c, key), key, now_ms);
  ASSERT_TRUE(v) << v.err().message;
  EXPECT_EQ(*v, c);
  capability r{capability_op::read, 7, 3, now_ms + 1, {}};
  auto vr = verify_capability(sign_capability(r, key), key, now_ms);
  ASSERT_TRUE(vr);
  EXPECT_EQ(*vr, r);
}

TEST(Capability, KeysArePerPurposeAndPerCluster) {
  EXPECT_NE(capability_key("a"), capability_key("b"));
  EXPECT_NE(capability_key("a"), auth_token_key("a"));
  auto t = sign_capability(write_cap(), key);
  auto v = verify_capability(t, capability_key("other-cluster"), now_ms);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.err().code, token_errc::bad_signature);
}

TEST(Capability, EveryFlippedBitIsRefused) {
  auto t = sign_capability(write_cap(), key);
  for (size_t i = 0; i < t.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = t;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(verify_capability(bad, key, now_ms)) << "byte " << i << " bit " << bit;
    }
}

TEST(Capability, TruncatedEmptyAndOversizedTokensAreMalformed) {
  auto t = sign_capability(write_cap(), key);
  for (size_t n = 0; n < t.size(); ++n)
    EXPECT_FALSE(verify_capability(t.substr(0, n), key, now_ms));
  EXPECT_EQ(verify_capability("", key, now_ms).err().message, "no capability token");
  EXPECT_EQ(verify_capability(std::string(max_capability_bytes + 1, 'x'), key, now_ms).err().code,
            token_errc::malformed);
  EXPECT_FALSE(verify_capability(t + "x", key, now_ms));
}

TEST(Capability, ExpiresAtItsExpiry) {
  auto c = write_cap();
  auto t = sign_capability(c, key);
  EXPECT_TRUE(verify_capability(t, key, c.expiry_ms - 1));
  auto v = verify_capability(t, key, c.expiry_ms);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.err().code, token_errc::expired);
}

TEST(Capability, SigningRefusesWhatTheFormatCannotHold) {
  auto c = write_cap();
  c.chain.assign(max_capability_chain + 1, "h:1");
  EXPECT_THROW(sign_capability(c, key), std::invalid_argument);
  c.chain = {""};
  EXPECT_THROW(sign_capability(c, key), std::invalid_argument);
  c.chain = {std::string(max_capability_endpoint_bytes + 1, 'h')};
  EXPECT_THROW(sign_capability(c, key), std::invalid_argument);
  c.chain.assign(max_capability_chain, std::string(max_capability_endpoint_bytes, 'h'));
  EXPECT_LE(sign_capability(c, key).size(), max_capability_bytes);
}

TEST(Capability, ReadChecksOperationAndHandle) {
  capability r{capability_op::read, 7, 1, now_ms + 10, {}};
  auto v = [&](const capability& c) {
    return verify_capability(sign_capability(c, key), key, now_ms);
  };
  EXPECT_TRUE(check_read(v(r), 7));
  EXPECT_EQ(check_read(v(r), 8).err().code, token_errc::forbidden);
  EXPECT_EQ(check_read(v(write_cap()), 42).err().code, token_errc::forbidden);
  // An invalid token stays invalid with its own reason.
  EXPECT_EQ(check_read(verify_capability("", key, now_ms), 7).err().message, "no capability token");
}

// The primary forwards a mutation to the secondaries the client names and acknowledges once
// they have it: they must be exactly the lease's other replicas (found by a chaos run: a lease
// reply without a restarting secondary had appends acknowledged by the primary alone).
TEST(Capability, AMutationNamesExactlyTheLeasesOtherReplicas) {
  capability c{capability_op::write, 5, 2, 0, {"a:1", "b:1", "c:1"}};
  EXPECT_EQ(secondaries_mismatch(c, "a:1", {"b:1", "c:1"}), "");
  EXPECT_EQ(secondaries_mismatch(c, "a:1", {"c:1", "b:1"}), "");
  EXPECT_EQ(secondaries_mismatch(c, "a:1", {"b:1"}), "replica c:1 of the lease is not named");
  EXPECT_EQ(secondaries_mismatch(c, "a:1", {}), "replica b:1 of the lease is not named");
  EXPECT_EQ(secondaries_mismatch(c, "a:1", {"b:1", "c:1", "d:1"}),
            "secondary d:1 is not a replica");
  EXPECT_EQ(secondaries_mismatch(c, "a:1", {"a:1", "b:1", "c:1"}),
            "secondary a:1 is not a replica");
}

TEST(Capability, PushChecksChunkVersionSelfAndEveryNextHop) {
  auto v = verify_capability(sign_capability(write_cap(), key), key, now_ms);
  const std::string a = "10.0.0.1:17001", b = "10.0.0.2:17001";
  EXPECT_TRUE(check_push(v, 42, 1, a, {b}));
  EXPECT_TRUE(check_push(v, 42, 1, b, {}));
  EXPECT_TRUE(check_push(v, 42, 1, b, {a}));  // the client may order the chain as it likes
  EXPECT_EQ(check_push(v, 43, 1, a, {b}).err().code, token_errc::forbidden);
  EXPECT_EQ(check_push(v, 42, 2, a, {b}).err().code, token_errc::forbidden);
  auto outsider = check_push(v, 42, 1, "10.0.0.3:17001", {});
  ASSERT_FALSE(outsider);
  EXPECT_NE(outsider.err().message.find("did not place this chunk on 10.0.0.3:17001"),
            std::string::npos);
  auto relay = check_push(v, 42, 1, a, {b, "203.0.113.9:22"});
  ASSERT_FALSE(relay);
  EXPECT_NE(relay.err().message.find("203.0.113.9:22"), std::string::npos);
  EXPECT_FALSE(check_push(v, 42, 1, a, {a}));  // a loop back to itself
  capability r{capability_op::read, 42, 1, now_ms + 10, {a}};
  EXPECT_FALSE(check_push(verify_capability(sign_capability(r, key), key, now_ms), 42, 1, a, {}));
}
