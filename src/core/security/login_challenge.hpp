#pragma once
// The login handshake of a client or admin (SECURITY.md): the node hands out a challenge, the
// client signs it with its certificate's private key, the node checks the certificate against
// the cluster CA and the signature, and answers with an auth token of the certificate's kind.
//
// The challenge is stateless so that a node keeps nothing per half-done login: 8 bytes of the
// issue time (unix s, little endian), 16 random bytes, and 16 bytes of HMAC over both. It is
// good for `challenge_ttl_s`; a replay within that window needs the signed proof, which only
// ever travels inside TLS.
#include <cstdint>
#include <string>
#include <string_view>

namespace dfs::security {

constexpr uint64_t challenge_ttl_s = 60;
constexpr size_t challenge_bytes = 40;

std::string challenge_key(std::string_view cluster_key);

// `random16` must be 16 fresh random bytes.
std::string make_challenge(std::string_view key, uint64_t now_s, std::string_view random16);

// True if `challenge` was made with `key` no more than challenge_ttl_s before `now_s`.
bool check_challenge(std::string_view key, std::string_view challenge, uint64_t now_s);

// The bytes a client signs: a context string and the challenge, so that a signature made for
// a login is useless anywhere else.
std::string login_signing_input(std::string_view challenge);

}  // namespace dfs::security
