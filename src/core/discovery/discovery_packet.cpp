#include "core/discovery/discovery_packet.hpp"

#include <stdexcept>

#include "common/crypto.hpp"
#include "common/little_endian.hpp"

namespace dfs::discovery {

namespace {

constexpr std::pair<discovery_role, const char*> role_table[] = {
    {discovery_role::master, "master"},
    {discovery_role::fileserver, "fileserver"},
    {discovery_role::chunkserver, "chunkserver"},
    {discovery_role::introducer, "introducer"},
};

error malformed(std::string what) {
  return {errc::malformed, "discovery packet: " + std::move(what)};
}

std::string seal(packet_type t, uint64_t nonce, const std::string& body, std::string_view key) {
  std::string out;
  append_le(out, magic, 4);
  out += static_cast<char>(version);
  out += static_cast<char>(t);
  append_le(out, body.size(), 2);
  append_le(out, nonce, 8);
  out += body;
  auto mac = crypto::hmac_sha256(key, out);
  out += crypto::as_view(mac);
  return out;
}

}  // namespace

std::string packet_key(std::string_view discovery_key) {
  return crypto::derive_key(discovery_key, "discovery packets");
}

std::string encode_probe(uint64_t nonce, std::string_view key) {
  return seal(packet_type::probe, nonce, {}, key);
}

std::string encode_answer(uint64_t nonce, const answer& a, std::string_view key) {
  if (a.host.empty() || a.host.size() > 255 || a.port == 0)
    throw std::invalid_argument("discovery answer needs a host of 1..255 bytes and a port");
  std::string body;
  append_le(body, a.port, 2);
  body += static_cast<char>(a.roles);
  body += static_cast<char>(a.host.size());
  body += a.host;
  return seal(packet_type::answer, nonce, body, key);
}

result<packet> decode(std::string_view b, std::string_view key) {
  if (b.size() < header_bytes + mac_bytes || b.size() > max_packet_bytes)
    return malformed(std::to_string(b.size()) + " bytes");
  if (get_le(b.data(), 4) != magic) return malformed("bad magic");
  if (static_cast<uint8_t>(b[4]) != version)
    return malformed("version " + std::to_string(static_cast<uint8_t>(b[4])));
  auto type = static_cast<uint8_t>(b[5]);
  if (type != static_cast<uint8_t>(packet_type::probe) &&
      type != static_cast<uint8_t>(packet_type::answer))
    return malformed("type " + std::to_string(type));
  auto body_len = get_le(b.data() + 6, 2);
  if (header_bytes + body_len + mac_bytes != b.size()) return malformed("length mismatch");
  // The MAC before the body is looked at: unauthenticated bytes are never parsed further.
  auto signed_part = b.substr(0, b.size() - mac_bytes);
  auto mac = crypto::hmac_sha256(key, signed_part);
  if (!crypto::equal_ct(crypto::as_view(mac), b.substr(b.size() - mac_bytes)))
    return error{errc::bad_mac, "discovery packet: bad signature (another cluster's key?)"};
  packet p;
  p.type = static_cast<packet_type>(type);
  p.nonce = get_le(b.data() + 8, 8);
  auto body = b.substr(header_bytes, body_len);
  if (p.type == packet_type::probe) {
    if (!body.empty()) return malformed("a probe with a body");
    return p;
  }
  if (body.size() < 4) return malformed("answer body too short");
  p.body.port = static_cast<uint16_t>(get_le(body.data(), 2));
  p.body.roles = static_cast<uint8_t>(body[2]);
  auto host_len = static_cast<uint8_t>(body[3]);
  if (p.body.port == 0 || host_len == 0 || body.size() != 4u + host_len)
    return malformed("answer body");
  p.body.host = std::string(body.substr(4));
  return p;
}

uint8_t role_bits(const std::string& list) {
  uint8_t bits = 0;
  size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    auto name = list.substr(start, end - start);
    for (auto& [r, n] : role_table)
      if (name == n) bits |= static_cast<uint8_t>(r);
    start = end + 1;
  }
  return bits;
}

std::string role_names(uint8_t bits) {
  std::string out;
  for (auto& [r, n] : role_table)
    if (bits & static_cast<uint8_t>(r)) out += (out.empty() ? "" : ",") + std::string(n);
  return out;
}

}  // namespace dfs::discovery
