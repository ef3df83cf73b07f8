#include "core/security/login_challenge.hpp"

#include "common/crypto.hpp"
#include "common/little_endian.hpp"

namespace dfs::security {

namespace {
constexpr size_t stamp_bytes = 24;  // time + random
constexpr size_t tag_bytes = 16;
}  // namespace

std::string challenge_key(std::string_view cluster_key) {
  return crypto::derive_key(cluster_key, "login challenge");
}

std::string make_challenge(std::string_view key, uint64_t now_s, std::string_view random16) {
  std::string c;
  append_le(c, now_s, 8);
  c.append(random16.substr(0, 16));
  c.resize(stamp_bytes, '\0');
  auto tag = crypto::hmac_sha256(key, c);
  c.append(reinterpret_cast<const char*>(tag.data()), tag_bytes);
  return c;
}

bool check_challenge(std::string_view key, std::string_view challenge, uint64_t now_s) {
  if (challenge.size() != challenge_bytes) return false;
  auto tag = crypto::hmac_sha256(key, challenge.substr(0, stamp_bytes));
  if (!crypto::equal_ct(challenge.substr(stamp_bytes),
                        std::string_view(reinterpret_cast<const char*>(tag.data()), tag_bytes)))
    return false;
  uint64_t issued = get_le(challenge.data(), 8);
  // A few seconds of clock steps are tolerated; the challenge never leaves this cluster's nodes.
  return issued <= now_s + 5 && (issued >= now_s || now_s - issued <= challenge_ttl_s);
}

std::string login_signing_input(std::string_view challenge) {
  return "dfsnode login v1\n" + std::string(challenge);
}

}  // namespace dfs::security
