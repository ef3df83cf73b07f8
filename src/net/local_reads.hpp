#pragma once
// Local ("short-circuit", as HDFS calls them) reads: a client on a chunkserver's own host,
// running as the chunkserver's own user, reads a chunk's file itself instead of receiving its
// bytes over TCP and TLS. It asks the chunkserver over a Unix socket, with the same read
// capability a network read carries; the chunkserver checks it as for a network read and
// answers with the chunk file opened read-only (the descriptor passed with SCM_RIGHTS), where
// its data starts and how long the replica is. The client verifies the bytes against the
// master's whole-chunk checksum, so only sealed chunks (which have one) are read this way,
// and any failure falls back to the network read.
//
// Why: on one host the network path costs the CPU of TLS at both ends and of two loopback
// copies per byte; a 1 GiB get was CPU-bound at half the disk's read rate (issue 17).
//
// Who may: the socket is in Linux's abstract namespace (per network namespace, no file), named
// after the chunkserver's data endpoint. Both ends check the other's user (SO_PEERCRED):
// the chunkserver serves only its own user, who could open its chunk files anyway, and a
// client ignores a socket of that name held by another user. The socket is SOCK_SEQPACKET:
// one request and one answer per connection, each one packet.
//
//   request   magic u32 "DFLR", then a read body (data_messages.hpp: handle, offset, length,
//             token); the chunkserver looks at handle and token only
//   answer    status u32 (chunkstore::errc), message str, data_offset u64, length u64; with
//             status 0 the descriptor rides along
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "common/unique_fd.hpp"
#include "net/data_client.hpp"
#include "net/data_messages.hpp"

namespace dfs::net {

inline constexpr uint32_t local_read_magic = 0x524c4644;  // "DFLR" little-endian
inline constexpr size_t max_local_request_bytes = 4 + 8 * 3 + 4 + max_token_bytes;

// The abstract socket name of the chunkserver whose data endpoint is `self` ("host:port"),
// without the leading NUL; empty when it would not fit a socket address.
std::string local_read_name(const std::string& self);

struct local_read_answer {
  uint32_t status = 0;  // chunkstore::errc
  std::string message;
  unique_fd fd;  // with status 0
  uint64_t data_offset = 0;
  uint64_t length = 0;
};

std::string encode(const local_read_answer& a);  // without the descriptor
[[nodiscard]] bool decode(std::string_view in, local_read_answer& out);
std::string encode_local_request(const read_msg& m);
[[nodiscard]] bool decode_local_request(std::string_view in, read_msg& out);

// The chunkserver's side: one thread accepts and answers connections one at a time (an answer
// is an open(), no disk read), each given at most `timeout_ms` to send its request.
class local_read_server {
 public:
  using handler = std::function<local_read_answer(const read_msg&)>;
  local_read_server(std::string self, uint32_t timeout_ms, handler h);
  ~local_read_server();
  // Binds the name and starts the thread; throws std::runtime_error when the name is taken.
  void start();
  void stop();  // idempotent; joins the thread
  uint64_t served() const { return served_; }
  uint64_t refused() const { return refused_; }  // other users, malformed requests

 private:
  void loop();
  void serve(int fd);

  std::string name_;
  uint32_t timeout_ms_;
  handler handler_;
  unique_fd listener_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> served_{0};
  std::atomic<uint64_t> refused_{0};
};

// The client's side. The chunk `at` serves: its file and where the bytes are. nullopt when no
// chunkserver of that endpoint serves local reads to this user here (read over the network
// then). Throws data_error with the chunkserver's answer when it refuses (no such chunk, a
// stale replica, a bad token) or the exchange fails.
std::optional<local_read_answer> open_local_chunk(const data_endpoint& at, const read_msg& rq,
                                                  uint32_t timeout_ms);

}  // namespace dfs::net
