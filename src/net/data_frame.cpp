#include "net/data_frame.hpp"

#include "common/startup_trace.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>

#include "common/crc32c.hpp"
#include "common/little_endian.hpp"
#include "common/startup_trace.hpp"
#include "net/socket_deadlines.hpp"

namespace dfs::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Kernel socket buffers of a data connection: a whole 1 MiB frame or more in flight per hop.
constexpr int socket_buffer_bytes = 4 << 20;
// Receive buffer of a frame_conn: small frames (headers, replies) are read through it, larger
// payloads straight into their destination.
constexpr size_t read_buffer_bytes = 64 * 1024;
// With TLS, frames up to this size are copied behind their header and sent as one record.
constexpr size_t tls_coalesce_bytes = 16 * 1024;

// A new connection's options: its timeouts, no Nagle delay, and its buffers.
void set_timeouts(int fd, uint32_t timeout_ms) {
  set_io_timeouts(fd, timeout_ms);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int buf = socket_buffer_bytes;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
}

}  // namespace

uint32_t cluster_id(const std::string& cluster_name) {
  return crc32c(cluster_name);
}

wire_writer& wire_writer::u16(uint16_t v) {
  char b[2];
  put_le(b, v, 2);
  out_.append(b, 2);
  return *this;
}
wire_writer& wire_writer::u32(uint32_t v) {
  char b[4];
  put_le(b, v, 4);
  out_.append(b, 4);
  return *this;
}
wire_writer& wire_writer::u64(uint64_t v) {
  char b[8];
  put_le(b, v, 8);
  out_.append(b, 8);
  return *this;
}
wire_writer& wire_writer::str(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  out_.append(s);
  return *this;
}

bool wire_reader::take(void* out, size_t n) {
  if (!ok_ || in_.size() < n) {
    ok_ = false;
    std::memset(out, 0, n);
    return false;
  }
  std::memcpy(out, in_.data(), n);
  in_.remove_prefix(n);
  return true;
}
uint16_t wire_reader::u16() {
  char b[2];
  take(b, 2);
  return static_cast<uint16_t>(get_le(b, 2));
}
uint32_t wire_reader::u32() {
  char b[4];
  take(b, 4);
  return static_cast<uint32_t>(get_le(b, 4));
}
uint64_t wire_reader::u64() {
  char b[8];
  take(b, 8);
  return get_le(b, 8);
}
std::string wire_reader::str(size_t max_bytes) {
  auto n = u32();
  if (!ok_ || n > max_bytes || n > in_.size()) {
    ok_ = false;
    return {};
  }
  std::string s(in_.substr(0, n));
  in_.remove_prefix(n);
  return s;
}

const char* to_string(frame_error e) {
  switch (e) {
    case frame_error::none:
      return "none";
    case frame_error::closed:
      return "connection closed";
    case frame_error::timeout:
      return "timed out";
    case frame_error::io:
      return "i/o error";
    case frame_error::bad_magic:
      return "bad frame magic";
    case frame_error::bad_version:
      return "unsupported frame version";
    case frame_error::bad_cluster:
      return "frame from another cluster";
    case frame_error::bad_length:
      return "frame too long";
    case frame_error::bad_crc:
      return "frame checksum mismatch";
  }
  return "?";
}

frame_conn::frame_conn(tcp::socket sock, uint32_t cluster, uint32_t timeout_ms, ssl_ptr ssl)
    : sock_(std::move(sock)), ssl_(std::move(ssl)), cluster_(cluster), timeout_ms_(timeout_ms) {
  set_timeouts(sock_.native_handle(), timeout_ms);
}

frame_conn frame_conn::connect(asio::io_context& io, const std::string& host, uint16_t port,
                               uint32_t cluster, uint32_t timeout_ms, tls_context* tls) {
  boost::system::error_code ec;
  tcp::resolver res(io);
  auto eps = res.resolve(host, std::to_string(port), ec);
  if (ec || eps.empty()) throw std::runtime_error("cannot resolve " + host + ": " + ec.message());
  auto ep = eps.begin()->endpoint();
  tcp::socket s(io);
  s.open(ep.protocol(), ec);
  if (ec) throw std::runtime_error("socket: " + ec.message());
  set_timeouts(s.native_handle(), timeout_ms);  // Linux connect() honours SO_SNDTIMEO
  if (::connect(s.native_handle(), ep.data(), static_cast<socklen_t>(ep.size())) != 0)
    throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                             std::strerror(errno));
  ssl_ptr ssl;
  if (tls) {
    try {
      ssl = tls_handshake(*tls, s.native_handle(), host + ":" + std::to_string(port));
      if (tls_resumed(ssl.get())) startup_mark("tls_session_resumed");
    } catch (const tls_setup_error& e) {
      throw tls_setup_error(host + ":" + std::to_string(port) + ": " + e.what());
    } catch (const std::exception& e) {
      throw std::runtime_error(host + ":" + std::to_string(port) + ": " + e.what());
    }
  }
  return frame_conn(std::move(s), cluster, timeout_ms, std::move(ssl));
}

frame_conn frame_conn::accept(tcp::socket sock, uint32_t cluster, uint32_t timeout_ms,
                              tls_context* tls, uint32_t handshake_ms) {
  ssl_ptr ssl;
  if (tls) {
    set_timeouts(sock.native_handle(), handshake_ms);
    ssl = tls_handshake(*tls, sock.native_handle());
  }
  return frame_conn(std::move(sock), cluster, timeout_ms, std::move(ssl));
}

bool frame_conn::has_unread() const {
  return rpos_ < rlen_ || (ssl_ && tls_has_unread(ssl_.get()));
}

bool frame_conn::resumed() const {
  return ssl_ && tls_resumed(ssl_.get());
}

std::optional<principal_kind> frame_conn::peer_kind() const {
  return ssl_ ? tls_peer_kind(ssl_.get()) : std::nullopt;
}

std::string frame_conn::peer_name() const {
  return ssl_ ? tls_peer_name(ssl_.get()) : "";
}

void frame_conn::set_timeout(uint32_t timeout_ms) {
  // Called before each request on a pooled connection, mostly with the same value: two
  // syscalls saved then, and never the buffers' resize (which takes the socket's lock).
  if (timeout_ms == timeout_ms_) return;
  timeout_ms_ = timeout_ms;
  set_io_timeouts(sock_.native_handle(), timeout_ms);
}

size_t frame_conn::recv_some(char* p, size_t n, frame_error& err) {
  for (;;) {
    if (ssl_) {
      size_t got = 0;
      if (SSL_read_ex(ssl_.get(), p, n, &got) == 1) return got;
      int saved = errno;
      int e = SSL_get_error(ssl_.get(), 0);
      ERR_clear_error();  // OpenSSL's queue is per thread: leave it clean for the next call
      if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && saved == 0))
        err = frame_error::closed;
      else if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ||
               (e == SSL_ERROR_SYSCALL && (saved == EAGAIN || saved == EWOULDBLOCK)))
        err = frame_error::timeout;
      else if (e == SSL_ERROR_SYSCALL && saved == EINTR)
        continue;
      else
        err = frame_error::io;
      return 0;
    }
    auto r = ::recv(sock_.native_handle(), p, n, 0);
    if (r > 0) return static_cast<size_t>(r);
    if (r < 0 && errno == EINTR) continue;
    err = r == 0
              ? frame_error::closed
              : (errno == EAGAIN || errno == EWOULDBLOCK ? frame_error::timeout : frame_error::io);
    return 0;
  }
}

bool frame_conn::read_exact(char* p, size_t n, frame_error& err) {
  auto buffered = std::min(n, rlen_ - rpos_);
  // Before the first refill rbuf_.data() is null, and memcpy from null is undefined even for
  // zero bytes (UBSan, data_frame_fuzz).
  if (buffered > 0) std::memcpy(p, rbuf_.data() + rpos_, buffered);
  rpos_ += buffered;
  p += buffered;
  n -= buffered;
  while (n > 0) {
    // Large payloads go straight to their destination; small reads refill the buffer.
    bool direct = n >= read_buffer_bytes;
    if (!direct && rbuf_.empty()) rbuf_.resize(read_buffer_bytes);
    auto got = direct ? recv_some(p, n, err) : recv_some(rbuf_.data(), rbuf_.size(), err);
    if (got == 0) return false;
    if (!direct) {
      rpos_ = std::min(n, got);
      rlen_ = got;
      std::memcpy(p, rbuf_.data(), rpos_);
      got = rpos_;
    }
    p += got;
    n -= got;
  }
  return true;
}

frame_error frame_conn::read(frame& out) {
  char h[data_header_bytes];
  frame_error err = frame_error::none;
  if (!read_exact(h, sizeof h, err)) return err;
  if (get_le(h, 4) != data_magic) return frame_error::bad_magic;
  if (crc32c(h, 20) != get_le(h + 20, 4)) return frame_error::bad_crc;
  if (static_cast<uint8_t>(h[4]) != data_protocol_version) return frame_error::bad_version;
  if (get_le(h + 8, 4) != cluster_) return frame_error::bad_cluster;
  auto len = static_cast<uint32_t>(get_le(h + 12, 4));
  if (len > max_frame_payload_bytes) return frame_error::bad_length;
  out.type = static_cast<data_type>(static_cast<uint8_t>(h[5]));
  out.payload.resize(len);
  if (len > 0 && !read_exact(out.payload.data(), len, err)) return err;
  if (!ssl_ && crc32c(out.payload) != get_le(h + 16, 4)) return frame_error::bad_crc;
  bytes_read_ += sizeof h + len;
  return frame_error::none;
}

bool frame_conn::write(data_type type, std::string_view payload, bool more) {
  if (payload.size() > max_frame_payload_bytes) return false;
  char h[data_header_bytes] = {};
  put_le(h, data_magic, 4);
  h[4] = static_cast<char>(data_protocol_version);
  h[5] = static_cast<char>(type);
  put_le(h + 8, cluster_, 4);
  put_le(h + 12, payload.size(), 4);
  put_le(h + 16, ssl_ ? 0 : crc32c(payload), 4);
  put_le(h + 20, crc32c(h, 20), 4);
  bytes_written_ += sizeof h + payload.size();  // attempted: a failed write ends the connection
  if (ssl_) return send_all_tls(h, payload, more);
  iovec iov[2] = {{h, sizeof h}, {const_cast<char*>(payload.data()), payload.size()}};
  size_t total = sizeof h + payload.size();
  size_t sent = 0;
  while (sent < total) {
    msghdr msg{};
    // Skip what was sent already.
    iovec cur[2];
    int n = 0;
    size_t skip = sent;
    for (auto& v : iov) {
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      cur[n++] = {static_cast<char*>(v.iov_base) + skip, v.iov_len - skip};
      skip = 0;
    }
    msg.msg_iov = cur;
    msg.msg_iovlen = static_cast<size_t>(n);
    auto r = ::sendmsg(sock_.native_handle(), &msg, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    sent += static_cast<size_t>(r);
  }
  return true;
}

bool frame_conn::send_all_tls(const char* header, std::string_view payload, bool more) {
  auto send = [&](const char* p, size_t len) {
    size_t sent = 0;
    while (sent < len) {
      size_t n = 0;
      if (SSL_write_ex(ssl_.get(), p + sent, len - sent, &n) != 1) {
        int saved = errno;
        bool retry = SSL_get_error(ssl_.get(), 0) == SSL_ERROR_SYSCALL && saved == EINTR;
        ERR_clear_error();
        if (retry) continue;
        return false;
      }
      sent += n;
    }
    return true;
  };
  // A small frame goes as one TLS record (one segment); a large one as the header's record and
  // the payload's, which saves copying a megabyte for the sake of 24 bytes.
  bool small = payload.size() <= tls_coalesce_bytes;
  if (small) {
    wbuf_.assign(header, data_header_bytes);
    wbuf_.append(payload);
  }
  bool sent = small ? send(wbuf_.data(), wbuf_.size())
                    : send(header, data_header_bytes) && send(payload.data(), payload.size());
  // Records wait in the session's write buffer. A small frame with more to follow (MSG_MORE's
  // promise) leaves with the next one; a large one leaves now, so that a push's next hop is
  // not kept waiting for the megabyte after it.
  return sent && ((small && more) || tls_flush(ssl_.get()));
}

bool frame_conn::reply(uint32_t status, std::string_view message, std::string_view body,
                       bool more) {
  wire_writer w;
  w.u32(status).str(message.substr(0, max_reply_message_bytes));
  auto p = w.take();
  p.append(body);
  return write(data_type::reply, p, more);
}

bool frame_conn::reply_tagged(uint64_t tag, uint32_t status, std::string_view message,
                              std::string_view body, bool more) {
  wire_writer w;
  w.u64(tag).u32(status).str(message.substr(0, max_reply_message_bytes));
  auto p = w.take();
  p.append(body);
  return write(data_type::tagged_reply, p, more);
}

void frame_conn::shutdown() {
  boost::system::error_code ec;
  sock_.shutdown(tcp::socket::shutdown_both, ec);
}

namespace {

bool parse_reply_payload(std::string_view payload, reply_msg& out) {
  wire_reader r(payload);
  out.status = r.u32();
  out.message = r.str(max_reply_message_bytes);
  if (!r.ok()) return false;
  size_t used = 4 + 4 + out.message.size();
  out.body = std::string(payload.substr(used));
  return true;
}

}  // namespace

bool parse_reply(const frame& f, reply_msg& out) {
  return f.type == data_type::reply && parse_reply_payload(f.payload, out);
}

bool split_tag(std::string_view payload, uint64_t& tag, std::string_view& rest) {
  if (payload.size() < 8) return false;
  tag = get_le(payload.data(), 8);
  rest = payload.substr(8);
  return true;
}

bool parse_tagged_reply(const frame& f, uint64_t& tag, reply_msg& out) {
  std::string_view rest;
  return f.type == data_type::tagged_reply && split_tag(f.payload, tag, rest) &&
         parse_reply_payload(rest, out);
}

}  // namespace dfs::net
