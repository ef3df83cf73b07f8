#pragma once
// The chunk data protocol on the data port (node.port + 1): frames over TCP.
//
// Frame = 24-byte header + payload (at most max_frame_payload_bytes = 1 MiB + 4 KiB). Header, all
// integers little-endian:
//   offset size field
//   0      4    magic 0x44465344 ("DSFD" in file order)
//   4      1    protocol version (2)
//   5      1    frame type (data_type)
//   6      2    reserved (0)
//   8      4    cluster id (CRC32C of cluster.name): frames of another cluster are refused
//   12     4    payload length
//   16     4    CRC32C of the payload
//   20     4    CRC32C of header bytes 0..19
// A frame that fails any check closes the connection (the stream cannot be resynchronised);
// the server counts it. Payload bodies are encoded with wire_writer / wire_reader.
//
// With tls.data (the default) the frames travel inside mutual TLS (tls_context.hpp).
//
// Push (one chunk, along the chain client -> r1 -> r2 -> r3, each hop one connection):
//   push_begin{data_id, handle, version, size, rest of chain, write token} ; push_data* ;
//   finalize -> reply{status, message, [stored endpoints...]}  (every replica that made it
//   durable)
// Read:  read{handle, offset, length, read token} -> reply{status, message} ; read_data*
// Stat:  stat{handle, read token} -> reply{status, message, version, length, crc32c}
// List:  list{} -> reply{status, message, count, (handle, version, length)*}  (admin
//        certificate only)
// Tokens are the master's capabilities (core/security/capability.hpp); a request without a
// valid one is refused with status `forbidden`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "net/tls_context.hpp"

namespace dfs::net {

inline constexpr uint32_t data_magic = 0x44465344;
// 2: capability tokens; 3: no payload CRC on TLS (data_header), so a version-2 peer is refused
// with "unsupported frame version" rather than failing every checksum.
inline constexpr uint8_t data_protocol_version = 3;
inline constexpr size_t data_header_bytes = 24;
inline constexpr uint32_t data_frame_bytes = 1u << 20;  // chunk bytes per push/read frame
inline constexpr uint32_t max_frame_payload_bytes = data_frame_bytes + 4096;
inline constexpr size_t max_reply_message_bytes = 1000;  // the text of a reply frame

enum class data_type : uint8_t {
  push_begin = 1,
  push_data = 2,
  finalize = 3,
  read = 4,
  read_data = 5,
  stat = 6,
  list = 7,
  reply = 8,
  // Mutations (issue 13; net/mutation_wire.hpp). hold_begin: a push like push_begin whose data
  // is held for a later write or append instead of becoming a chunk.
  hold_begin = 9,
  mutate = 10,          // client -> primary: apply a write or record append
  mutation = 11,        // primary -> secondary: one ordered mutation
  mutation_ack = 12,    // secondary -> primary
  resend_request = 13,  // secondary -> primary: a gap did not fill
  mutation_gone = 14,   // primary -> secondary: that serial will never come
  // The request port (node.port + 4; proto/request_wire.hpp): one client request to the node
  // actor, answered by a reply frame.
  request = 15,
  // The same, multiplexed (net/mux_conn.hpp): the payload starts with a u64 tag (LE) that the
  // answer carries back, so one connection has many requests in flight, answered in any order.
  tagged_request = 16,
  tagged_reply = 17,
};

struct data_header {
  uint32_t magic = data_magic;
  uint8_t version = data_protocol_version;
  uint8_t type = 0;
  uint16_t reserved = 0;
  uint32_t cluster = 0;
  uint32_t length = 0;
  // CRC32C of the payload on plain TCP (tls.data = false). 0 and not checked on TLS, whose
  // AES-GCM records already authenticate every byte: the CRC was a second pass over each byte
  // at both ends (a 1 GiB get: 6 % of all CPU in CRC32C, four passes over every byte).
  uint32_t payload_crc = 0;
  uint32_t header_crc = 0;
};
static_assert(sizeof(data_header) == data_header_bytes, "data frame header is 24 bytes");

uint32_t cluster_id(const std::string& cluster_name);

// Little-endian encoder/decoder of payload bodies. The reader never reads past its input:
// a short or malformed body sets ok() to false and yields zeros.
class wire_writer {
 public:
  wire_writer& u16(uint16_t v);
  wire_writer& u32(uint32_t v);
  wire_writer& u64(uint64_t v);
  wire_writer& str(std::string_view s);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class wire_reader {
 public:
  explicit wire_reader(std::string_view in) : in_(in) {}
  uint16_t u16();
  uint32_t u32();
  uint64_t u64();
  std::string str(size_t max_bytes);  // every string on the wire has a named bound
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }  // everything read, nothing malformed

 private:
  bool take(void* out, size_t n);
  std::string_view in_;
  bool ok_ = true;
};

enum class frame_error {
  none,
  closed,
  timeout,
  io,
  bad_magic,
  bad_version,
  bad_cluster,
  bad_length,
  bad_crc
};
const char* to_string(frame_error e);

struct frame {
  data_type type = data_type::reply;
  std::string payload;
};

// A connected TCP socket speaking frames with blocking I/O and deadlines (SO_RCVTIMEO /
// SO_SNDTIMEO), so a stalled peer costs one connection thread for at most `timeout_ms`.
// Asio does the connecting and accepting; reads and writes go straight to the descriptor (or
// through OpenSSL on it, with TLS: tls_context.hpp) because Asio's blocking operations ignore
// socket timeouts.
class frame_conn {
 public:
  // Plain TCP, or TLS when `ssl` holds an established session on the socket.
  frame_conn(boost::asio::ip::tcp::socket sock, uint32_t cluster, uint32_t timeout_ms,
             ssl_ptr ssl = {});
  // Connects to host:port within timeout_ms, with a TLS handshake when `tls` is given; throws
  // std::runtime_error naming the address.
  static frame_conn connect(boost::asio::io_context& io, const std::string& host, uint16_t port,
                            uint32_t cluster, uint32_t timeout_ms, tls_context* tls = nullptr);
  // The server side of a new connection: with `tls`, the handshake must end within
  // handshake_ms. Throws std::runtime_error with the reason.
  static frame_conn accept(boost::asio::ip::tcp::socket sock, uint32_t cluster, uint32_t timeout_ms,
                           tls_context* tls, uint32_t handshake_ms);

  frame_error read(frame& out);
  // `more`: another frame follows at once (MSG_MORE), so the kernel may send both in one
  // segment; the peer then wakes once for both.
  bool write(data_type type, std::string_view payload, bool more = false);
  // Reply frame: status (0 ok), message, then `body`.
  bool reply(uint32_t status, std::string_view message, std::string_view body = {},
             bool more = false);
  // The answer to a tagged request: the tag, then a reply frame's payload.
  bool reply_tagged(uint64_t tag, uint32_t status, std::string_view message,
                    std::string_view body = {}, bool more = false);
  void shutdown();
  int fd() { return sock_.native_handle(); }
  // Bytes received beyond the frames read so far (a peer that sent more than it was asked).
  bool has_unread() const;
  bool tls() const { return ssl_ != nullptr; }
  // TLS resumed from a kept session (net/tls_sessions.hpp) instead of a full handshake.
  bool resumed() const;
  // The kind of the peer's verified certificate (TLS only).
  std::optional<principal_kind> peer_kind() const;
  // Its common name ("" without TLS or a certificate).
  std::string peer_name() const;
  // New read and write deadlines for the exchanges that follow (each call's own timeout).
  void set_timeout(uint32_t timeout_ms);
  uint32_t timeout_ms() const { return timeout_ms_; }
  // Frame bytes (headers and payloads) read and written so far, for dfs_port_bytes_total.
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  bool read_exact(char* p, size_t n, frame_error& err);
  // One recv (or SSL_read): > 0 bytes, or 0 with `err` set.
  size_t recv_some(char* p, size_t n, frame_error& err);
  bool send_all_tls(const char* header, std::string_view payload, bool more);
  boost::asio::ip::tcp::socket sock_;
  ssl_ptr ssl_;  // after sock_: freed first (it does not own the descriptor)
  uint32_t cluster_;
  uint32_t timeout_ms_;
  // Received bytes not consumed yet, [rpos_, rlen_): small frames (headers, replies, small
  // chunks) arrive several to a segment, and one recv() serves them all.
  std::vector<char> rbuf_;
  size_t rpos_ = 0, rlen_ = 0;
  std::string wbuf_;  // TLS: header and payload in one record where they fit
  uint64_t bytes_read_ = 0, bytes_written_ = 0;
};

// A parsed reply frame.
struct reply_msg {
  uint32_t status = 0;
  std::string message;
  std::string body;  // the rest, for the caller's wire_reader
};
bool parse_reply(const frame& f, reply_msg& out);
// A tagged_reply frame: its tag and the reply.
bool parse_tagged_reply(const frame& f, uint64_t& tag, reply_msg& out);
// The tag at the start of a tagged frame's payload, and the rest; false when too short.
bool split_tag(std::string_view payload, uint64_t& tag, std::string_view& rest);

}  // namespace dfs::net
