#pragma once
// Login tokens of the control plane (SECURITY.md). A token names a principal (the subject: a
// certificate's common name, or a node) and its kind, expires, and is signed with HMAC-SHA256
// under a key derived from cluster.key — which only servers hold. A server mints its own; a
// client or admin gets one by proving it holds a certificate's key (login_challenge.hpp).
// Every request to a node carries one; the node checks it before anything else.
//
// Text form, printable so that it can also be a bearer token (HTTP):
//   dfs1.<kind>.<expiry unix s>.<subject as hex>.<64 hex digits of MAC over what precedes>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/principal.hpp"
#include "common/result.hpp"

namespace dfs::security {

struct auth_claims {
  principal_kind kind = principal_kind::client;
  std::string subject;
  uint64_t expiry_s = 0;  // unix seconds

  friend bool operator==(const auth_claims& a, const auth_claims& b) {
    return a.kind == b.kind && a.subject == b.subject && a.expiry_s == b.expiry_s;
  }
};

enum class token_errc { ok = 0, malformed, bad_signature, expired, forbidden };
using token_error = basic_error<token_errc>;
template <class T>
using token_result = basic_result<T, token_error>;

constexpr size_t max_token_bytes = 1024;
constexpr size_t max_subject_bytes = 256;

// The key tokens are signed with, from cluster.key.
std::string auth_token_key(std::string_view cluster_key);

std::string sign_auth_token(const auth_claims& claims, std::string_view key);

// The claims of a token signed with `key` that has not expired at `now_s`.
token_result<auth_claims> verify_auth_token(std::string_view token, std::string_view key,
                                            uint64_t now_s);

// May a principal of kind `have` do what needs kind `need`? admin covers client.
bool kind_allows(principal_kind have, principal_kind need);

}  // namespace dfs::security
