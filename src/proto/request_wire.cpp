#include "proto/request_wire.hpp"

#include "common/little_endian.hpp"

namespace dfs::proto {

namespace {

constexpr size_t head_bytes = 5;

bool known(uint8_t m) {
  return m >= static_cast<uint8_t>(request_method::ns) &&
         m <= static_cast<uint8_t>(request_method::queue);
}

}  // namespace

std::string encode_request(request_method method, uint32_t timeout_ms, std::string_view body) {
  std::string out;
  out.reserve(head_bytes + body.size());
  out += static_cast<char>(method);
  append_le(out, timeout_ms, 4);
  out.append(body);
  return out;
}

std::optional<request_head> decode_request(std::string_view payload) {
  if (payload.size() < head_bytes) return std::nullopt;
  auto m = static_cast<uint8_t>(payload[0]);
  if (!known(m)) return std::nullopt;
  return request_head{static_cast<request_method>(m),
                      static_cast<uint32_t>(get_le(payload.data() + 1, 4)),
                      payload.substr(head_bytes)};
}

}  // namespace dfs::proto
