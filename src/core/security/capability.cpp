#include "core/security/capability.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/crypto.hpp"
#include "common/little_endian.hpp"

namespace dfs::security {

namespace {

constexpr uint8_t format = 1;
constexpr size_t mac_bytes = 32;
constexpr size_t fixed_bytes = 1 + 1 + 8 + 8 + 8 + 1;

token_error fail(token_errc c, std::string msg) {
  return {c, std::move(msg)};
}

// Reads the signed body; false on anything short or out of bounds.
bool parse_body(std::string_view in, capability& out) {
  if (in.size() < fixed_bytes || static_cast<uint8_t>(in[0]) != format) return false;
  auto op = static_cast<uint8_t>(in[1]);
  if (op != uint8_t(capability_op::read) && op != uint8_t(capability_op::write)) return false;
  out.op = static_cast<capability_op>(op);
  out.handle = get_le(in.data() + 2, 8);
  out.chunk_version = get_le(in.data() + 10, 8);
  out.expiry_ms = get_le(in.data() + 18, 8);
  size_t n = static_cast<uint8_t>(in[26]);
  if (n > max_capability_chain) return false;
  in.remove_prefix(fixed_bytes);
  out.chain.clear();
  for (size_t i = 0; i < n; ++i) {
    if (in.size() < 2) return false;
    auto len = static_cast<size_t>(get_le(in.data(), 2));
    in.remove_prefix(2);
    if (len == 0 || len > max_capability_endpoint_bytes || len > in.size()) return false;
    out.chain.emplace_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  return in.empty();
}

}  // namespace

const char* to_string(capability_op op) {
  return op == capability_op::write ? "write" : "read";
}

std::string capability_key(std::string_view cluster_key) {
  return crypto::derive_key(cluster_key, "data capability");
}

std::string sign_capability(const capability& c, std::string_view key) {
  if (c.chain.size() > max_capability_chain)
    throw std::invalid_argument("capability chain longer than " +
                                std::to_string(max_capability_chain));
  std::string out;
  out += static_cast<char>(format);
  out += static_cast<char>(c.op);
  append_le(out, c.handle, 8);
  append_le(out, c.chunk_version, 8);
  append_le(out, c.expiry_ms, 8);
  out += static_cast<char>(c.chain.size());
  for (auto& e : c.chain) {
    if (e.empty() || e.size() > max_capability_endpoint_bytes)
      throw std::invalid_argument("capability endpoint of " + std::to_string(e.size()) + " bytes");
    append_le(out, e.size(), 2);
    out += e;
  }
  out.append(crypto::as_view(crypto::hmac_sha256(key, out)));
  return out;
}

token_result<capability> verify_capability(std::string_view token, std::string_view key,
                                           uint64_t now_ms) {
  if (token.empty()) return fail(token_errc::malformed, "no capability token");
  if (token.size() > max_capability_bytes || token.size() < fixed_bytes + mac_bytes)
    return fail(token_errc::malformed, "malformed capability token");
  auto body = token.substr(0, token.size() - mac_bytes);
  if (!crypto::equal_ct(token.substr(body.size()), crypto::as_view(crypto::hmac_sha256(key, body))))
    return fail(token_errc::bad_signature, "capability token not signed by this cluster's master");
  capability c;
  if (!parse_body(body, c)) return fail(token_errc::malformed, "malformed capability token");
  if (now_ms >= c.expiry_ms)
    return fail(token_errc::expired, "capability token expired; ask the master again");
  return c;
}

token_result<capability> check_read(token_result<capability> c, uint64_t handle) {
  if (!c) return c;
  if (c->op != capability_op::read)
    return fail(token_errc::forbidden, "capability token is for a write, not a read");
  if (c->handle != handle)
    return fail(token_errc::forbidden, "capability token is for another chunk");
  return c;
}

token_result<capability> check_push(token_result<capability> c, uint64_t handle,
                                    uint64_t chunk_version, std::string_view self,
                                    const std::vector<std::string>& next_hops) {
  if (!c) return c;
  if (c->op != capability_op::write)
    return fail(token_errc::forbidden, "capability token is for a read, not a write");
  if (c->handle != handle || c->chunk_version != chunk_version)
    return fail(token_errc::forbidden, "capability token is for another chunk or version");
  auto named = [&](std::string_view e) {
    return std::find(c->chain.begin(), c->chain.end(), e) != c->chain.end();
  };
  if (!named(self))
    return fail(token_errc::forbidden,
                "the master did not place this chunk on " + std::string(self));
  for (auto& hop : next_hops)
    if (!named(hop) || hop == self)
      return fail(token_errc::forbidden,
                  "push chain names " + hop + ", which the master did not place this chunk on");
  return c;
}

token_result<capability> check_mutation(token_result<capability> c, uint64_t handle,
                                        uint64_t chunk_version, std::string_view self,
                                        std::string_view peer) {
  std::vector<std::string> others;
  if (!peer.empty() && peer != self) others.emplace_back(peer);
  if (!peer.empty() && peer == self)
    return fail(token_errc::forbidden, "a replica does not send mutations to itself");
  return check_push(std::move(c), handle, chunk_version, self, others);
}

std::string secondaries_mismatch(const capability& c, std::string_view self,
                                 const std::vector<std::string>& secondaries) {
  auto has = [](const std::vector<std::string>& v, std::string_view e) {
    return std::find(v.begin(), v.end(), e) != v.end();
  };
  for (const auto& s : secondaries)
    if (s == self || !has(c.chain, s)) return "secondary " + s + " is not a replica";
  for (const auto& r : c.chain)
    if (r != self && !has(secondaries, r)) return "replica " + r + " of the lease is not named";
  return {};
}

}  // namespace dfs::security
