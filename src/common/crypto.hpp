#pragma once
// The few cryptographic primitives the project needs, on OpenSSL: HMAC-SHA256 for tokens and
// packet authentication, key derivation (one cluster secret, one key per purpose), random
// bytes, constant-time comparison and hex. Pure functions; core may use them.
#include <array>
#include <string>
#include <string_view>

namespace dfs::crypto {

using digest = std::array<unsigned char, 32>;

digest hmac_sha256(std::string_view key, std::string_view data);

// A key for one purpose from a shared secret: HMAC(secret, "dfsnode key: " + label). Tokens of
// one kind can then never be replayed as another kind.
std::string derive_key(std::string_view secret, std::string_view label);

// Equal contents, in time independent of where they differ (for MACs).
bool equal_ct(std::string_view a, std::string_view b);

// `n` bytes from the OpenSSL CSPRNG (throws std::runtime_error if it fails).
std::string random_bytes(size_t n);

std::string to_hex(std::string_view bytes);
// Lower- or upper-case hex to bytes; false on an odd length or a non-hex digit.
bool from_hex(std::string_view hex, std::string& out);

inline std::string_view as_view(const digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace dfs::crypto
