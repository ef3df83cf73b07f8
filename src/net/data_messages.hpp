#pragma once
// The bodies of the data-port frames (data_frame.hpp), one struct each, encoded and decoded
// only here: the client (data_client) and the chunkserver (data_service) share them. Integers
// little-endian, strings as u32 length + bytes (wire_writer / wire_reader). decode() checks
// every bound, never reads past its input, rejects trailing bytes, and returns false for
// anything malformed.
//
//   push_begin   data_id u64, handle u64 (!= 0), chunk_version u64, size_bytes u64 (<= max
//                chunk size), hops u32 (<= max_chain_hops),
//                hops x (host str (1..max_host_bytes), port u16 (!= 0)),
//                token str (<= max_token_bytes: the master's write capability)
//   push result  (reply body) count u32 (<= max_chain_hops + 1),
//                count x endpoint str (1..max_endpoint_text_bytes)
//   read         handle u64 (!= 0), offset_bytes u64, length_bytes u64
//                (offset + length <= max chunk size), token str (read capability)
//   stat         handle u64 (!= 0), token str (read capability)
//                                    -> reply body: chunk_version u64, length u64 (<= max chunk
//                                       size), crc32c u32
//   list         (empty)             -> reply body: count u32 (<= max_list_entries, <= total),
//                                       total u64, used_bytes u64, count x (handle u64 (!= 0),
//                                       chunk_version u64, length u64 (<= max chunk size))
// "max chunk size" is limits::max_chunk_size_bytes (common/limits.hpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/security/capability.hpp"
#include "net/data_frame.hpp"

namespace dfs::net {

inline constexpr uint32_t max_chain_hops = 16;          // replicas after the first in a push
inline constexpr size_t max_host_bytes = 256;           // a host name in a chain
inline constexpr size_t max_endpoint_text_bytes = 300;  // "host:port" in a push result
inline constexpr size_t max_token_bytes = security::max_capability_bytes;
inline constexpr size_t list_entry_bytes = 24;
// Reply header (status, message) and the list's counts: what a list reply holds besides entries.
inline constexpr size_t list_reply_fixed_bytes = 4 + 4 + max_reply_message_bytes + 4 + 8 + 8;
inline constexpr size_t max_list_entries =
    (max_frame_payload_bytes - list_reply_fixed_bytes) / list_entry_bytes;

struct chain_hop {
  std::string host;
  uint16_t port = 0;
};

struct push_begin_msg {
  uint64_t data_id = 0;
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
  std::vector<chain_hop> chain;  // the replicas after the receiver, in order
  std::string token;             // write capability naming the handle, version and replicas
};

struct push_result_msg {
  std::vector<std::string> stored;  // "host:port" of every replica that made the chunk durable
};

struct read_msg {
  uint64_t handle = 0;
  uint64_t offset_bytes = 0;
  uint64_t length_bytes = 0;
  std::string token;  // read capability
};

struct stat_msg {
  uint64_t handle = 0;
  std::string token;  // read capability
};

struct stat_reply_msg {
  uint64_t chunk_version = 0;
  uint64_t length_bytes = 0;
  uint32_t crc32c = 0;
};

struct list_entry {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t length_bytes = 0;
};

struct list_reply_msg {
  uint64_t total_chunks = 0;  // may exceed entries.size(): a list fits one frame
  uint64_t used_bytes = 0;
  std::vector<list_entry> entries;
};

bool operator==(const chain_hop& a, const chain_hop& b);
bool operator==(const push_begin_msg& a, const push_begin_msg& b);
bool operator==(const push_result_msg& a, const push_result_msg& b);
bool operator==(const read_msg& a, const read_msg& b);
bool operator==(const stat_msg& a, const stat_msg& b);
bool operator==(const stat_reply_msg& a, const stat_reply_msg& b);
bool operator==(const list_entry& a, const list_entry& b);
bool operator==(const list_reply_msg& a, const list_reply_msg& b);

std::string encode(const push_begin_msg& m);
std::string encode(const push_result_msg& m);
std::string encode(const read_msg& m);
std::string encode(const stat_msg& m);
std::string encode(const stat_reply_msg& m);
std::string encode(const list_reply_msg& m);  // at most max_list_entries entries are written

[[nodiscard]] bool decode(std::string_view in, push_begin_msg& out);
[[nodiscard]] bool decode(std::string_view in, push_result_msg& out);
[[nodiscard]] bool decode(std::string_view in, read_msg& out);
[[nodiscard]] bool decode(std::string_view in, stat_msg& out);
[[nodiscard]] bool decode(std::string_view in, stat_reply_msg& out);
[[nodiscard]] bool decode(std::string_view in, list_reply_msg& out);

}  // namespace dfs::net
