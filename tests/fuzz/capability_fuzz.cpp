// Data-plane capability tokens (core/security/capability.hpp): every push, read and stat on a
// chunkserver's data port carries one, from anyone who can reach the port.
//
// The input is used as a token, as a token whose MAC we fix up (past the HMAC, which no fuzzer
// forges: this reaches the parsing of the signed fields), and then checked for a read and for
// a push from a self and a chain cut from the input.
//
// Properties: a token that verifies is unexpired, within the bounds of its format, and signs
// again to the very same bytes; check_read/check_push accept only what the token names.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "common/crypto.hpp"
#include "core/security/capability.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace dfs;
using namespace dfs::security;

namespace {

constexpr uint64_t now_ms = 1700000000000;
constexpr size_t mac_bytes = 32;

const std::string& key() {
  static const std::string k = capability_key("fuzz cluster key");
  return k;
}

std::string resign(std::string_view token) {
  if (token.size() < mac_bytes) return std::string(token);
  auto body = token.substr(0, token.size() - mac_bytes);
  return std::string(body) + std::string(crypto::as_view(crypto::hmac_sha256(key(), body)));
}

void check_verified(std::string_view token, const token_result<capability>& r,
                    FuzzedDataProvider& fdp) {
  if (!r) return;
  FUZZ_CHECK(r->expiry_ms > now_ms);
  FUZZ_CHECK(r->chain.size() <= max_capability_chain);
  for (auto& e : r->chain) FUZZ_CHECK(!e.empty() && e.size() <= max_capability_endpoint_bytes);
  FUZZ_CHECK(sign_capability(*r, key()) == token);
  auto handle = fdp.ConsumeBool() ? r->handle : fdp.ConsumeIntegral<uint64_t>();
  auto read = check_read(r, handle);
  FUZZ_CHECK(read.ok() == (r->op == capability_op::read && handle == r->handle));
  auto self = fdp.ConsumeRandomLengthString(64);
  std::vector<std::string> hops;
  while (fdp.remaining_bytes() > 0 && hops.size() < 20)
    hops.push_back(fdp.ConsumeRandomLengthString(64));
  auto push = check_push(r, handle, r->chunk_version, self, hops);
  auto named = [&](const std::string& e) {
    return std::find(r->chain.begin(), r->chain.end(), e) != r->chain.end();
  };
  bool expected = r->op == capability_op::write && handle == r->handle && named(self) &&
                  std::all_of(hops.begin(), hops.end(),
                              [&](const std::string& h) { return named(h) && h != self; });
  FUZZ_CHECK(push.ok() == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, size);
  FuzzedDataProvider fdp(data, size);
  check_verified(in, verify_capability(in, key(), now_ms), fdp);
  auto fixed = resign(in);
  check_verified(fixed, verify_capability(fixed, key(), now_ms), fdp);
  return 0;
}
