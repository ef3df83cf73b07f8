// The data port (net/data_frame.hpp, net/data_messages.hpp): frames from anyone who can reach
// node.port + 1, read by the real frame_conn from a socket, and the request and reply bodies in
// them.
//
// The input is the byte stream a peer sends before it closes; it is read as it is, then with
// every frame header fixed up (magic, version, cluster, length within the input, both CRCs) so
// the fuzzer reaches the body decoders.
//
// The bodies checked: the chunk requests (data_messages.hpp), the mutation frames of clients and
// replicas (mutation_wire.hpp), a local read's request and answer (local_reads.hpp) and the
// replies.
//
// Properties: frame_conn::read ends the stream with an error value, never a crash or a hang; a
// frame it returns fits max_frame_payload_bytes and survives write + read unchanged; a body
// that decodes encodes to the very same bytes (the encoding is canonical).
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "common/crc32c.hpp"
#include "common/little_endian.hpp"
#include "fuzz/fuzz_check.hpp"
#include "net/data_frame.hpp"
#include "net/data_messages.hpp"
#include "net/local_reads.hpp"
#include "net/mutation_wire.hpp"

using namespace dfs;
using namespace dfs::net;
namespace asio = boost::asio;

namespace {

constexpr uint32_t cluster = 0x5eed5eed;
// What one socketpair buffers without a reader; a longer input is cut here.
constexpr size_t max_input_bytes = 64 * 1024;

asio::io_context& io() {
  static asio::io_context ctx;
  return ctx;
}

frame_conn conn_on(int fd) {
  asio::ip::tcp::socket s(io());
  s.assign(asio::ip::tcp::v4(), fd);  // a stream socket is all frame_conn needs
  return frame_conn(std::move(s), cluster, 1000);
}

// A connection to a peer that sent `bytes` and closed.
frame_conn conn_after(std::string_view bytes) {
  int fds[2];
  FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  while (!bytes.empty()) {
    auto n = ::write(fds[1], bytes.data(), bytes.size());
    FUZZ_CHECK(n > 0);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fds[1]);
  return conn_on(fds[0]);
}

template <class Msg>
void check_body(std::string_view body) {
  Msg m;
  if (decode(body, m)) FUZZ_CHECK(encode(m) == body);
}

void check_frame(const frame& f) {
  FUZZ_CHECK(f.payload.size() <= max_frame_payload_bytes);
  int fds[2];
  FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  auto out = conn_on(fds[0]);
  auto in = conn_on(fds[1]);
  FUZZ_CHECK(out.write(f.type, f.payload));
  frame back;
  FUZZ_CHECK(in.read(back) == frame_error::none);
  FUZZ_CHECK(back.type == f.type && back.payload == f.payload);
  switch (f.type) {
    case data_type::push_begin:
    case data_type::hold_begin:
      return check_body<push_begin_msg>(f.payload);
    case data_type::mutate:
      return check_body<mutate_msg>(f.payload);
    case data_type::mutation:
      return check_body<peer_mutation>(f.payload);
    case data_type::mutation_ack:
      return check_body<peer_ack>(f.payload);
    case data_type::resend_request:
      return check_body<peer_resend>(f.payload);
    case data_type::mutation_gone:
      return check_body<peer_gone>(f.payload);
    case data_type::read: {
      check_body<read_msg>(f.payload);
      // The same body arrives on a chunkserver's local-read socket (net/local_reads.hpp).
      read_msg m;
      if (decode_local_request(f.payload, m)) FUZZ_CHECK(encode_local_request(m) == f.payload);
      return check_body<local_read_answer>(f.payload);  // and the chunkserver's answer there
    }
    case data_type::stat:
      return check_body<stat_msg>(f.payload);
    case data_type::reply: {
      reply_msg r;
      if (!parse_reply(f, r)) return;
      FUZZ_CHECK(r.message.size() <= max_reply_message_bytes);
      check_body<push_result_msg>(r.body);
      check_body<stat_reply_msg>(r.body);
      check_body<list_reply_msg>(r.body);
      check_body<mutate_reply_msg>(r.body);
      return;
    }
    case data_type::tagged_reply: {  // a multiplexed request port's answer (net/mux_conn.hpp)
      uint64_t tag = 0;
      reply_msg r;
      if (!parse_tagged_reply(f, tag, r)) return;
      FUZZ_CHECK(f.payload.size() >= 8);
      FUZZ_CHECK(r.message.size() <= max_reply_message_bytes);
      return;
    }
    default:
      return;  // chunk bytes, or no body
  }
}

void read_all(std::string_view bytes) {
  auto conn = conn_after(bytes);
  frame f;
  frame_error err;
  while ((err = conn.read(f)) == frame_error::none) check_frame(f);
  FUZZ_CHECK(err != frame_error::timeout);  // the peer closed: the end is never a wait
}

std::string fix_frames(std::string in) {
  size_t pos = 0;
  while (in.size() - pos >= data_header_bytes) {
    char* h = in.data() + pos;
    size_t room = in.size() - pos - data_header_bytes;
    put_le(h, data_magic, 4);
    h[4] = static_cast<char>(data_protocol_version);
    put_le(h + 8, cluster, 4);
    auto len = get_le(h + 12, 4) % (room + 1);
    put_le(h + 12, len, 4);
    put_le(h + 16, crc32c(h + data_header_bytes, len), 4);
    put_le(h + 20, crc32c(h, 20), 4);
    pos += data_header_bytes + len;
  }
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::as_view(data, std::min(size, max_input_bytes));
  read_all(in);
  read_all(fix_frames(std::string(in)));
  return 0;
}
