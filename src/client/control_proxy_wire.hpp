#pragma once
// The pipe between the lean CLI and its helper process (client/proxy_master_fallback.hpp,
// client/control_proxy.hpp): one frame per request and per reply, each a u32 LE length and
// then the payload.
//   request: 'Q', method (u8), connect time ms (u32 LE), timeout ms (u32 LE), the master's
//            HOST:PORT (u16 LE length + bytes), then the request struct's bytes (proto/wire.hpp)
//   reply:   'R', kind (u8, master_fallback::result::kind), text (u32 LE length + bytes), then
//            the reply struct's bytes
// The leading byte tells one from the other: a helper that echoed its input is not answering.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "client/master_fallback.hpp"

namespace dfs::proxy_wire {

// Requests and replies are bounded like the request port's frames, with room for the head.
constexpr uint32_t max_frame_bytes = 64u << 20;

struct request {
  proto::request_method method = proto::request_method::ns;
  uint32_t connect_ms = 0;
  uint32_t timeout_ms = 0;
  std::string master;  // HOST:PORT
  std::string body;
};

std::string encode(const request& r);
std::string encode(const master_fallback::result& r);
// nullopt on a short or malformed payload, an unknown method or kind.
std::optional<request> decode_request(std::string_view payload);
std::optional<master_fallback::result> decode_result(std::string_view payload);

// Whole frames on a blocking descriptor: false on EOF, an error, or a frame over the bound.
bool write_frame(int fd, std::string_view payload);
bool read_frame(int fd, std::string& payload);

}  // namespace dfs::proxy_wire
