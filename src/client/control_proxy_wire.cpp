#include "client/control_proxy_wire.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dfs::proxy_wire {

namespace {

constexpr char request_tag = 'Q', result_tag = 'R';

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

struct reader {
  std::string_view in;
  bool ok = true;
  uint64_t uint(size_t bytes) {
    if (in.size() < bytes) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
    in.remove_prefix(bytes);
    return v;
  }
  std::string bytes(size_t n) {
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

bool known_method(uint64_t m) {
  return m >= static_cast<uint64_t>(proto::request_method::ns) &&
         m <= static_cast<uint64_t>(proto::request_method::queue);
}

}  // namespace

std::string encode(const request& r) {
  std::string out(1, request_tag);
  out.push_back(static_cast<char>(r.method));
  put_u32(out, r.connect_ms);
  put_u32(out, r.timeout_ms);
  auto n = static_cast<uint16_t>(std::min<size_t>(r.master.size(), UINT16_MAX));
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(n >> 8));
  out.append(r.master, 0, n);
  out += r.body;
  return out;
}

std::string encode(const master_fallback::result& r) {
  std::string out(1, result_tag);
  out.push_back(static_cast<char>(r.kind));
  put_u32(out, static_cast<uint32_t>(r.text.size()));
  out += r.text;
  out += r.body;
  return out;
}

std::optional<request> decode_request(std::string_view payload) {
  reader rd{payload};
  request r;
  bool tagged = rd.uint(1) == request_tag;
  auto method = rd.uint(1);
  r.connect_ms = static_cast<uint32_t>(rd.uint(4));
  r.timeout_ms = static_cast<uint32_t>(rd.uint(4));
  r.master = rd.bytes(rd.uint(2));
  if (!rd.ok || !tagged || !known_method(method)) return std::nullopt;
  r.method = static_cast<proto::request_method>(method);
  r.body = std::string(rd.in);
  return r;
}

std::optional<master_fallback::result> decode_result(std::string_view payload) {
  reader rd{payload};
  master_fallback::result r;
  bool tagged = rd.uint(1) == result_tag;
  auto kind = rd.uint(1);
  r.text = rd.bytes(rd.uint(4));
  if (!rd.ok || !tagged || kind > master_fallback::result::connect_failed) return std::nullopt;
  r.kind = static_cast<decltype(r.kind)>(kind);
  r.body = std::string(rd.in);
  return r;
}

bool write_frame(int fd, std::string_view payload) {
  if (payload.size() > max_frame_bytes) return false;
  std::string out;
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out += payload;
  size_t off = 0;
  while (off < out.size()) {
    auto n = ::write(fd, out.data() + off, out.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

namespace {

bool read_all(int fd, char* p, size_t len) {
  while (len > 0) {
    auto n = ::read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool read_frame(int fd, std::string& payload) {
  unsigned char head[4];
  if (!read_all(fd, reinterpret_cast<char*>(head), 4)) return false;
  uint32_t len = uint32_t{head[0]} | uint32_t{head[1]} << 8 | uint32_t{head[2]} << 16 |
                 uint32_t{head[3]} << 24;
  if (len > max_frame_bytes) return false;
  payload.resize(len);
  return read_all(fd, payload.data(), len);
}

}  // namespace dfs::proxy_wire
