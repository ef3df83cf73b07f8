#include "net/packet_codec.hpp"

#include <cstring>

#include "common/crc32c.hpp"
#include "common/little_endian.hpp"

namespace dfs::net {

static_assert(sizeof(crypto::digest) == packet_mac_bytes);

namespace {

constexpr char magic[4] = {'D', 'F', 'S', 'P'};
constexpr uint8_t version = 1;

void put32(std::string& s, size_t at, uint32_t v) {
  put_le(&s[at], v, 4);
}

uint32_t get32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(get_le(s.data() + at, 4));
}

}  // namespace

const char* to_string(packet_error e) {
  switch (e) {
    case packet_error::none:
      return "none";
    case packet_error::too_short:
      return "too_short";
    case packet_error::too_large:
      return "too_large";
    case packet_error::bad_magic:
      return "bad_magic";
    case packet_error::bad_version:
      return "bad_version";
    case packet_error::wrong_cluster:
      return "wrong_cluster";
    case packet_error::bad_length:
      return "bad_length";
    case packet_error::bad_mac:
      return "bad_mac";
    case packet_error::unknown_channel:
      return "unknown_channel";
  }
  return "?";
}

packet_codec::packet_codec(const std::string& cluster_name, std::string key)
    : cluster_id_(crc32c(cluster_name)), mac_(key) {}

std::string packet_codec::encode(channel ch, std::string_view payload) const {
  if (payload.size() > max_datagram_payload_bytes) return {};
  std::string out(packet_header_bytes, '\0');
  std::memcpy(out.data(), magic, 4);
  out[4] = static_cast<char>(version);
  out[5] = static_cast<char>(ch);
  put32(out, 8, cluster_id_);
  put32(out, 12, static_cast<uint32_t>(payload.size()));
  out.append(payload.data(), payload.size());
  out.append(crypto::as_view(mac_.sign(out)));
  return out;
}

packet_codec::decoded packet_codec::decode(std::string_view d) const {
  decoded r;
  auto fail = [&](packet_error e) {
    r.error = e;
    return r;
  };
  if (d.size() > max_datagram_bytes) return fail(packet_error::too_large);
  if (d.size() < packet_header_bytes + packet_mac_bytes) return fail(packet_error::too_short);
  if (std::memcmp(d.data(), magic, 4) != 0) return fail(packet_error::bad_magic);
  if (static_cast<uint8_t>(d[4]) != version) return fail(packet_error::bad_version);
  if (get32(d, 8) != cluster_id_) return fail(packet_error::wrong_cluster);
  uint32_t len = get32(d, 12);
  if (len != d.size() - packet_header_bytes - packet_mac_bytes)
    return fail(packet_error::bad_length);
  // Constant-time compare: the MAC is the authentication.
  if (!crypto::equal_ct(crypto::as_view(mac_.sign(d.substr(0, packet_header_bytes + len))),
                        d.substr(packet_header_bytes + len, packet_mac_bytes)))
    return fail(packet_error::bad_mac);
  auto ch = static_cast<uint8_t>(d[5]);
  if (ch != static_cast<uint8_t>(channel::membership) && ch != static_cast<uint8_t>(channel::gcs))
    return fail(packet_error::unknown_channel);
  r.ch = static_cast<channel>(ch);
  r.payload = d.substr(packet_header_bytes, len);
  return r;
}

}  // namespace dfs::net
