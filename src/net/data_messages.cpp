#include "net/data_messages.hpp"

#include <algorithm>

#include "common/limits.hpp"

namespace dfs::net {

bool operator==(const chain_hop& a, const chain_hop& b) {
  return a.host == b.host && a.port == b.port;
}
bool operator==(const push_begin_msg& a, const push_begin_msg& b) {
  return a.data_id == b.data_id && a.handle == b.handle && a.chunk_version == b.chunk_version &&
         a.size_bytes == b.size_bytes && a.chain == b.chain && a.token == b.token;
}
bool operator==(const push_result_msg& a, const push_result_msg& b) {
  return a.stored == b.stored;
}
bool operator==(const read_msg& a, const read_msg& b) {
  return a.handle == b.handle && a.offset_bytes == b.offset_bytes &&
         a.length_bytes == b.length_bytes && a.token == b.token;
}
bool operator==(const stat_msg& a, const stat_msg& b) {
  return a.handle == b.handle && a.token == b.token;
}
bool operator==(const stat_reply_msg& a, const stat_reply_msg& b) {
  return a.chunk_version == b.chunk_version && a.length_bytes == b.length_bytes &&
         a.crc32c == b.crc32c;
}
bool operator==(const list_entry& a, const list_entry& b) {
  return a.handle == b.handle && a.chunk_version == b.chunk_version &&
         a.length_bytes == b.length_bytes;
}
bool operator==(const list_reply_msg& a, const list_reply_msg& b) {
  return a.total_chunks == b.total_chunks && a.used_bytes == b.used_bytes && a.entries == b.entries;
}

std::string encode(const push_begin_msg& m) {
  wire_writer w;
  w.u64(m.data_id).u64(m.handle).u64(m.chunk_version).u64(m.size_bytes);
  w.u32(static_cast<uint32_t>(m.chain.size()));
  for (auto& h : m.chain) w.str(h.host).u16(h.port);
  w.str(m.token);
  return w.take();
}

bool decode(std::string_view in, push_begin_msg& out) {
  wire_reader r(in);
  out = push_begin_msg{r.u64(), r.u64(), r.u64(), r.u64(), {}, {}};
  auto n = r.u32();
  if (!r.ok() || n > max_chain_hops) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    chain_hop h;
    h.host = r.str(max_host_bytes);
    h.port = r.u16();
    if (h.host.empty() || h.port == 0) return false;
    out.chain.push_back(std::move(h));
  }
  out.token = r.str(max_token_bytes);
  return r.done() && out.handle != 0 && out.size_bytes <= limits::max_chunk_size_bytes;
}

std::string encode(const push_result_msg& m) {
  wire_writer w;
  w.u32(static_cast<uint32_t>(m.stored.size()));
  for (auto& s : m.stored) w.str(s);
  return w.take();
}

bool decode(std::string_view in, push_result_msg& out) {
  wire_reader r(in);
  out = {};
  auto n = r.u32();
  if (!r.ok() || n > max_chain_hops + 1) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    out.stored.push_back(r.str(max_endpoint_text_bytes));
    if (out.stored.back().empty()) return false;
  }
  return r.done();
}

std::string encode(const read_msg& m) {
  wire_writer w;
  w.u64(m.handle).u64(m.offset_bytes).u64(m.length_bytes).str(m.token);
  return w.take();
}

bool decode(std::string_view in, read_msg& out) {
  wire_reader r(in);
  out = read_msg{r.u64(), r.u64(), r.u64(), {}};
  out.token = r.str(max_token_bytes);
  // Both bounded first, so the sum cannot overflow.
  return r.done() && out.handle != 0 && out.offset_bytes <= limits::max_chunk_size_bytes &&
         out.length_bytes <= limits::max_chunk_size_bytes - out.offset_bytes;
}

std::string encode(const stat_msg& m) {
  wire_writer w;
  w.u64(m.handle).str(m.token);
  return w.take();
}

bool decode(std::string_view in, stat_msg& out) {
  wire_reader r(in);
  out = stat_msg{r.u64(), {}};
  out.token = r.str(max_token_bytes);
  return r.done() && out.handle != 0;
}

std::string encode(const stat_reply_msg& m) {
  wire_writer w;
  w.u64(m.chunk_version).u64(m.length_bytes).u32(m.crc32c);
  return w.take();
}

bool decode(std::string_view in, stat_reply_msg& out) {
  wire_reader r(in);
  out = stat_reply_msg{r.u64(), r.u64(), r.u32()};
  return r.done() && out.length_bytes <= limits::max_chunk_size_bytes;
}

std::string encode(const list_reply_msg& m) {
  wire_writer w;
  auto n = std::min(m.entries.size(), max_list_entries);
  w.u32(static_cast<uint32_t>(n)).u64(m.total_chunks).u64(m.used_bytes);
  for (size_t i = 0; i < n; ++i)
    w.u64(m.entries[i].handle).u64(m.entries[i].chunk_version).u64(m.entries[i].length_bytes);
  return w.take();
}

bool decode(std::string_view in, list_reply_msg& out) {
  wire_reader r(in);
  out = {};
  auto n = r.u32();
  out.total_chunks = r.u64();
  out.used_bytes = r.u64();
  if (!r.ok() || n > max_list_entries || n > out.total_chunks) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    out.entries.push_back({r.u64(), r.u64(), r.u64()});
    auto& e = out.entries.back();
    if (r.ok() && (e.handle == 0 || e.length_bytes > limits::max_chunk_size_bytes)) return false;
  }
  return r.done();
}

}  // namespace dfs::net
