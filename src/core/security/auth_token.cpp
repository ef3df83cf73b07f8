#include "core/security/auth_token.hpp"

#include <charconv>
#include <vector>

#include "common/crypto.hpp"

namespace dfs::security {

namespace {

constexpr std::string_view prefix = "dfs1";

token_error fail(token_errc c, std::string msg) {
  return {c, std::move(msg)};
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (out.size() < 6) {
    auto dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace

std::string auth_token_key(std::string_view cluster_key) {
  return crypto::derive_key(cluster_key, "control auth token");
}

std::string sign_auth_token(const auth_claims& c, std::string_view key) {
  std::string body = std::string(prefix) + "." + to_string(c.kind) + "." +
                     std::to_string(c.expiry_s) + "." + crypto::to_hex(c.subject);
  return body + "." + crypto::to_hex(crypto::as_view(crypto::hmac_sha256(key, body)));
}

token_result<auth_claims> verify_auth_token(std::string_view token, std::string_view key,
                                            uint64_t now_s) {
  if (token.empty()) return fail(token_errc::malformed, "no credential");
  if (token.size() > max_token_bytes) return fail(token_errc::malformed, "credential too long");
  auto parts = split_dots(token);
  if (parts.size() != 5 || parts[0] != prefix)
    return fail(token_errc::malformed, "malformed credential");
  auto mac_at = token.size() - parts[4].size() - 1;
  std::string mac;
  if (!crypto::from_hex(parts[4], mac) ||
      !crypto::equal_ct(mac, crypto::as_view(crypto::hmac_sha256(key, token.substr(0, mac_at)))))
    return fail(token_errc::bad_signature, "credential not signed by this cluster");
  // Signed by us, so the rest was written by sign_auth_token; parse defensively all the same.
  auth_claims c;
  auto kind = parse_principal_kind(std::string(parts[1]));
  uint64_t expiry = 0;
  auto [end, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), expiry);
  if (!kind || ec != std::errc{} || end != parts[2].data() + parts[2].size() ||
      !crypto::from_hex(parts[3], c.subject) || c.subject.size() > max_subject_bytes)
    return fail(token_errc::malformed, "malformed credential");
  c.kind = *kind;
  c.expiry_s = expiry;
  if (now_s >= c.expiry_s) return fail(token_errc::expired, "credential expired; log in again");
  return c;
}

bool kind_allows(principal_kind have, principal_kind need) {
  if (have == need) return true;
  return have == principal_kind::admin && need == principal_kind::client;
}

}  // namespace dfs::security
