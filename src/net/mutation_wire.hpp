#pragma once
// The bodies of the mutation frames of the data port (issue 13, GFS §3.1 and §3.3), encoded
// and decoded only here: the client (data_client) and the chunkservers (data_service,
// mutation_service) share them. Same rules as data_messages.hpp: little-endian, bounded
// strings, decode() never reads past its input and rejects anything malformed or trailing.
//
//   mutate          client id u64, request number u64, handle u64 (!= 0), op u16 (0 write,
//                   1 append), offset u64, length u64 (1..max chunk size), data id u64,
//                   count u32 (<= max_chain_hops), count x (host str, port u16 != 0),
//                   chunk size u64 (<= max chunk size; 0: the server's default), token str (the
//                   lease's write capability)
//                   -> reply body: status u16 (mutation_status), offset u64
//   mutation        from (host str, port u16), handle, version, serial (!= 0) u64,
//                   kind u16 (0 write, 1 pad), offset u64, length u64, data id u64, token str
//   mutation_ack    from, handle, version, serial u64, status u16 (ack_status), token str
//   resend_request  from, handle, version, next serial u64, token str
//   mutation_gone   from, handle, version, serial u64, token str
// Peer frames (the last four) are answered with an empty ok reply once taken in; what they
// cause comes back as frames of their own.
#include <string>
#include <string_view>

#include "core/chunkserver/mutation_messages.hpp"

namespace dfs::net {

struct mutate_msg {
  chunkserver::client_request request;
  std::string token;
};

struct mutate_reply_msg {
  chunkserver::mutation_status status = chunkserver::mutation_status::ok;
  uint64_t offset = 0;
};

// A message between the replicas of one chunk: who sent it (its data endpoint, as the
// capability's chain names it), the message, and the lease's capability.
template <class M>
struct peer_msg {
  endpoint from;
  M body;
  std::string token;
};
using peer_mutation = peer_msg<chunkserver::mutation>;
using peer_ack = peer_msg<chunkserver::mutation_ack>;
using peer_resend = peer_msg<chunkserver::resend_request>;
using peer_gone = peer_msg<chunkserver::mutation_gone>;

std::string encode(const mutate_msg& m);
std::string encode(const mutate_reply_msg& m);
std::string encode(const peer_mutation& m);
std::string encode(const peer_ack& m);
std::string encode(const peer_resend& m);
std::string encode(const peer_gone& m);

[[nodiscard]] bool decode(std::string_view in, mutate_msg& out);
[[nodiscard]] bool decode(std::string_view in, mutate_reply_msg& out);
[[nodiscard]] bool decode(std::string_view in, peer_mutation& out);
[[nodiscard]] bool decode(std::string_view in, peer_ack& out);
[[nodiscard]] bool decode(std::string_view in, peer_resend& out);
[[nodiscard]] bool decode(std::string_view in, peer_gone& out);

// The chunk and version a peer frame is about (what its capability must name).
template <class M>
uint64_t handle_of(const M& m) {
  return m.handle;
}
template <class M>
uint64_t version_of(const M& m) {
  return m.chunk_version;
}

}  // namespace dfs::net
