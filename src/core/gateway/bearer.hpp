#pragma once
// Bearer tokens of the HTTP gateway (`dfsnode --role ca token NAME --kind client|admin --ttl S`):
// the control plane's signed claims (core/security/auth_token.hpp: kind, name, expiry,
// HMAC-SHA256) under a key of their own derived from cluster.key, so that an HTTP token is
// never accepted as a control-plane login token, nor the other way round.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/security/auth_token.hpp"

namespace dfs::gateway {

constexpr uint64_t max_token_ttl_s = 366ull * 86400;

std::string bearer_token_key(std::string_view cluster_key);

// The claims of `Authorization: Bearer TOKEN` (scheme case-insensitive), verified at `now_s`.
security::token_result<security::auth_claims> check_authorization(std::string_view header,
                                                                  std::string_view key,
                                                                  uint64_t now_s);

}  // namespace dfs::gateway
