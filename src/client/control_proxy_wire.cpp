#include "client/control_proxy_wire.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/little_endian.hpp"

namespace dfs::proxy_wire {

namespace {

constexpr char request_tag = 'Q', result_tag = 'R';

struct reader {
  std::string_view in;
  bool ok = true;
  uint64_t uint(size_t bytes) {
    if (in.size() < bytes) {
      ok = false;
      return 0;
    }
    auto v = get_le(in.data(), bytes);
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
  append_le(out, r.connect_ms, 4);
  append_le(out, r.timeout_ms, 4);
  auto n = std::min<size_t>(r.master.size(), UINT16_MAX);
  append_le(out, n, 2);
  out.append(r.master, 0, n);
  out += r.body;
  return out;
}

std::string encode(const master_fallback::result& r) {
  std::string out(1, result_tag);
  out.push_back(static_cast<char>(r.kind));
  append_le(out, r.text.size(), 4);
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
  append_le(out, payload.size(), 4);
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
  char head[4];
  if (!read_all(fd, head, 4)) return false;
  auto len = get_le(head, 4);
  if (len > max_frame_bytes) return false;
  payload.resize(len);
  return read_all(fd, payload.data(), len);
}

}  // namespace dfs::proxy_wire
