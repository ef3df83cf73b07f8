#include "core/gateway/bearer.hpp"

#include "common/crypto.hpp"

namespace dfs::gateway {

std::string bearer_token_key(std::string_view cluster_key) {
  return crypto::derive_key(cluster_key, "http bearer token");
}

security::token_result<security::auth_claims> check_authorization(std::string_view header,
                                                                  std::string_view key,
                                                                  uint64_t now_s) {
  using security::token_errc;
  constexpr std::string_view scheme = "bearer ";
  if (header.empty()) return security::token_error{token_errc::malformed, "no credential"};
  bool ok = header.size() > scheme.size();
  for (size_t i = 0; ok && i < scheme.size(); ++i)
    ok = (header[i] | 0x20) == scheme[i];  // ASCII lower case; ' ' | 0x20 == ' '
  if (!ok)
    return security::token_error{token_errc::malformed, "the Authorization scheme must be Bearer"};
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  auto r = security::verify_auth_token(token, key, now_s);
  if (r && r->kind == principal_kind::server)  // never minted for HTTP: refuse all the same
    return security::token_error{token_errc::forbidden, "server credentials are not for HTTP"};
  return r;
}

}  // namespace dfs::gateway
