// Data-port bodies: encoded and decoded in one place (net/data_messages.hpp), byte for byte
// what protocol version 1 put on the wire, every truncation and every bound rejected.
#include "net/data_messages.hpp"

#include <gtest/gtest.h>

#include "common/limits.hpp"

namespace dfs::net {
namespace {

std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

push_begin_msg sample_push() {
  return {0x1122334455667788ull, 0x0102030405060708ull, 3, 65536, {{"10.0.0.2", 17101}, {"h3", 7}}};
}

// What the protocol-1 code wrote (u64 x4, u32 hop count, per hop str + u16), spelled out.
TEST(DataMessages, PushBeginBytesAreProtocolOne) {
  EXPECT_EQ(hex(encode(sample_push())),
            "8877665544332211"  // data_id
            "0807060504030201"  // handle
            "0300000000000000"  // chunk version
            "0000010000000000"  // size 65536
            "02000000"          // hops
            "08000000"
            "31302e302e302e32"
            "cd42"  // "10.0.0.2":17101
            "02000000"
            "6833"
            "0700");  // "h3":7
}

TEST(DataMessages, RepliesAndRequestsBytesAreProtocolOne) {
  EXPECT_EQ(hex(encode(push_result_msg{{"a:1"}})),
            "01000000"
            "03000000"
            "613a31");
  EXPECT_EQ(hex(encode(read_msg{1, 2, 3})),
            "0100000000000000"
            "0200000000000000"
            "0300000000000000");
  EXPECT_EQ(hex(encode(stat_msg{9})), "0900000000000000");
  EXPECT_EQ(hex(encode(stat_reply_msg{4, 5, 6})),
            "0400000000000000"
            "0500000000000000"
            "06000000");
  EXPECT_EQ(hex(encode(list_reply_msg{7, 8, {{1, 2, 3}}})),
            "01000000"
            "0700000000000000"
            "0800000000000000"
            "0100000000000000"
            "0200000000000000"
            "0300000000000000");
}

template <class M>
void expect_every_prefix_rejected(const M& m) {
  auto bytes = encode(m);
  for (size_t n = 0; n < bytes.size(); ++n) {
    M out;
    EXPECT_FALSE(decode(std::string_view(bytes).substr(0, n), out)) << "prefix of " << n;
  }
  M out;
  EXPECT_FALSE(decode(bytes + "x", out)) << "trailing byte accepted";
}

TEST(DataMessages, RoundTripWithEveryFieldSet) {
  push_begin_msg p;
  ASSERT_TRUE(decode(encode(sample_push()), p));
  EXPECT_EQ(p.data_id, 0x1122334455667788ull);
  EXPECT_EQ(p.handle, 0x0102030405060708ull);
  EXPECT_EQ(p.chunk_version, 3u);
  EXPECT_EQ(p.size_bytes, 65536u);
  ASSERT_EQ(p.chain.size(), 2u);
  EXPECT_EQ(p.chain[1].host, "h3");
  EXPECT_EQ(p.chain[1].port, 7);
  push_result_msg r;
  ASSERT_TRUE(decode(encode(push_result_msg{{"a:1", "b:2"}}), r));
  EXPECT_EQ(r.stored, (std::vector<std::string>{"a:1", "b:2"}));
  read_msg rd;
  ASSERT_TRUE(decode(encode(read_msg{1, 2, 3}), rd));
  EXPECT_EQ(rd.handle + rd.offset_bytes * 10 + rd.length_bytes * 100, 321u);
  stat_reply_msg s;
  ASSERT_TRUE(decode(encode(stat_reply_msg{4, 5, 6}), s));
  EXPECT_EQ(s.chunk_version + s.length_bytes * 10 + s.crc32c * 100, 654u);
  list_reply_msg l;
  ASSERT_TRUE(decode(encode(list_reply_msg{7, 8, {{1, 2, 3}, {4, 5, 6}}}), l));
  EXPECT_EQ(l.total_chunks, 7u);
  EXPECT_EQ(l.used_bytes, 8u);
  ASSERT_EQ(l.entries.size(), 2u);
  EXPECT_EQ(l.entries[1].length_bytes, 6u);
}

TEST(DataMessages, EveryTruncationAndTrailingByteIsRejected) {
  expect_every_prefix_rejected(sample_push());
  expect_every_prefix_rejected(push_result_msg{{"a:1", "b:2"}});
  expect_every_prefix_rejected(read_msg{1, 2, 3});
  expect_every_prefix_rejected(stat_msg{9});
  expect_every_prefix_rejected(stat_reply_msg{4, 5, 6});
  expect_every_prefix_rejected(list_reply_msg{7, 8, {{1, 2, 3}}});
}

TEST(DataMessages, OutOfRangeValuesAreRejected) {
  push_begin_msg out;
  auto p = sample_push();
  p.handle = 0;
  EXPECT_FALSE(decode(encode(p), out)) << "handle 0";
  p = sample_push();
  p.size_bytes = limits::max_chunk_size_bytes + 1;
  EXPECT_FALSE(decode(encode(p), out)) << "oversized chunk";
  p = sample_push();
  p.chain.assign(max_chain_hops + 1, {"h", 1});
  EXPECT_FALSE(decode(encode(p), out)) << "too many hops";
  p = sample_push();
  p.chain[0].host.assign(max_host_bytes + 1, 'h');
  EXPECT_FALSE(decode(encode(p), out)) << "long host";
  read_msg r;
  EXPECT_FALSE(decode(encode(read_msg{1, 0, limits::max_chunk_size_bytes + 1}), r));
  push_result_msg pr;
  EXPECT_FALSE(
      decode(encode(push_result_msg{std::vector<std::string>(max_chain_hops + 2, "x")}), pr));
}

TEST(DataMessages, AListReplyFitsOneFrame) {
  list_reply_msg big{1u << 20, 0, std::vector<list_entry>(max_list_entries + 10)};
  auto bytes = encode(big);
  EXPECT_LE(bytes.size() + 4 + 4 + max_reply_message_bytes, max_frame_payload_bytes);
  list_reply_msg back;
  ASSERT_TRUE(decode(bytes, back));
  EXPECT_EQ(back.entries.size(), max_list_entries);
  EXPECT_EQ(back.total_chunks, 1u << 20);
}

}  // namespace
}  // namespace dfs::net
