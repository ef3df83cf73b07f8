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
  return {0x1122334455667788ull,
          0x0102030405060708ull,
          3,
          65536,
          {{"10.0.0.2", 17101}, {"h3", 7}},
          "tk"};
}

// What protocol 2 writes (u64 x4, u32 hop count, per hop str + u16, token str), spelled out.
TEST(DataMessages, PushBeginBytesAreProtocolTwo) {
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
            "0700"  // "h3":7
            "02000000"
            "746b");  // token "tk"
}

TEST(DataMessages, RepliesAndRequestsBytesAreProtocolTwo) {
  EXPECT_EQ(hex(encode(push_result_msg{{"a:1"}})),
            "01000000"
            "03000000"
            "613a31");
  EXPECT_EQ(hex(encode(read_msg{1, 2, 3, "t"})),
            "0100000000000000"
            "0200000000000000"
            "0300000000000000"
            "01000000"
            "74");
  EXPECT_EQ(hex(encode(stat_msg{9, ""})),
            "0900000000000000"
            "00000000");
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

// Decodes what encode() wrote and compares field by field (operator==): every field is set
// to a distinct non-default value, so a dropped, swapped or narrowed field shows.
template <class M>
void expect_round_trip(const M& m) {
  M out;
  ASSERT_TRUE(decode(encode(m), out));
  EXPECT_TRUE(out == m);
}

TEST(DataMessages, RoundTripWithEveryFieldSet) {
  expect_round_trip(sample_push());
  expect_round_trip(push_begin_msg{~0ull, ~0ull - 1, ~0ull - 2, limits::max_chunk_size_bytes,
                                   std::vector<chain_hop>(max_chain_hops, {"h", 65535}),
                                   std::string(max_token_bytes, 't')});
  expect_round_trip(push_result_msg{{"a:1", "bb:22", std::string(max_endpoint_text_bytes, 'c')}});
  expect_round_trip(read_msg{11, 22, 33, "token"});
  expect_round_trip(stat_msg{0x8000000000000001ull, "token"});
  expect_round_trip(stat_reply_msg{44, 55, 0xdeadbeef});
  expect_round_trip(list_reply_msg{77, 88, {{1, 2, 3}, {4, 5, 6}}});
}

// operator== itself must see every field, or the round trips above prove nothing.
TEST(DataMessages, EqualityComparesEveryField) {
  auto p = sample_push();
  for (int f = 0; f < 7; ++f) {
    auto q = p;
    if (f == 0) ++q.data_id;
    if (f == 1) ++q.handle;
    if (f == 2) ++q.chunk_version;
    if (f == 3) ++q.size_bytes;
    if (f == 4) q.chain[1].host = "h4";
    if (f == 5) ++q.chain[1].port;
    if (f == 6) q.token = "tl";
    EXPECT_FALSE(p == q) << "push_begin field " << f;
  }
  EXPECT_FALSE((read_msg{1, 2, 3, "t"} == read_msg{1, 2, 4, "t"}));
  EXPECT_FALSE((read_msg{1, 2, 3, "t"} == read_msg{1, 3, 3, "t"}));
  EXPECT_FALSE((read_msg{1, 2, 3, "t"} == read_msg{1, 2, 3, "u"}));
  EXPECT_FALSE((stat_msg{1, "t"} == stat_msg{1, "u"}));
  EXPECT_FALSE((stat_reply_msg{4, 5, 6} == stat_reply_msg{4, 5, 7}));
  EXPECT_FALSE((stat_reply_msg{4, 5, 6} == stat_reply_msg{4, 6, 6}));
  EXPECT_FALSE((list_reply_msg{7, 8, {{1, 2, 3}}} == list_reply_msg{7, 9, {{1, 2, 3}}}));
  EXPECT_FALSE((list_reply_msg{7, 8, {{1, 2, 3}}} == list_reply_msg{7, 8, {{1, 2, 4}}}));
}

TEST(DataMessages, EveryTruncationAndTrailingByteIsRejected) {
  expect_every_prefix_rejected(sample_push());
  expect_every_prefix_rejected(push_result_msg{{"a:1", "b:2"}});
  expect_every_prefix_rejected(read_msg{1, 2, 3, "t"});
  expect_every_prefix_rejected(stat_msg{9, "t"});
  expect_every_prefix_rejected(stat_reply_msg{4, 5, 6});
  expect_every_prefix_rejected(list_reply_msg{7, 8, {{1, 2, 3}}});
}

template <class M>
bool decodes(const M& m) {
  M out;
  return decode(encode(m), out);
}

TEST(DataMessages, PushBeginBoundsAreChecked) {
  constexpr auto max = limits::max_chunk_size_bytes;
  auto with = [](auto change) {
    auto p = sample_push();
    change(p);
    return decodes(p);
  };
  EXPECT_FALSE(with([](auto& p) { p.handle = 0; })) << "handle 0";
  EXPECT_TRUE(with([&](auto& p) { p.size_bytes = max; })) << "the largest chunk";
  EXPECT_FALSE(with([&](auto& p) { p.size_bytes = max + 1; })) << "oversized chunk";
  EXPECT_TRUE(with([](auto& p) { p.chain.assign(max_chain_hops, {"h", 1}); })) << "longest chain";
  EXPECT_FALSE(with([](auto& p) { p.chain.assign(max_chain_hops + 1, {"h", 1}); }));
  EXPECT_TRUE(with([](auto& p) { p.chain[0].host.assign(max_host_bytes, 'h'); }));
  EXPECT_FALSE(with([](auto& p) { p.chain[0].host.assign(max_host_bytes + 1, 'h'); }));
  EXPECT_FALSE(with([](auto& p) { p.chain[1].host.clear(); })) << "empty host";
  EXPECT_FALSE(with([](auto& p) { p.chain[1].port = 0; })) << "port 0";
  EXPECT_FALSE(with([](auto& p) { p.token.assign(max_token_bytes + 1, 't'); })) << "long token";
}

TEST(DataMessages, PushResultBoundsAreChecked) {
  EXPECT_TRUE(decodes(push_result_msg{std::vector<std::string>(max_chain_hops + 1, "x:1")}));
  EXPECT_FALSE(decodes(push_result_msg{std::vector<std::string>(max_chain_hops + 2, "x:1")}));
  EXPECT_FALSE(decodes(push_result_msg{{std::string(max_endpoint_text_bytes + 1, 'x')}}));
  EXPECT_FALSE(decodes(push_result_msg{{"a:1", ""}})) << "empty endpoint";
}

TEST(DataMessages, ReadAndStatBoundsAreChecked) {
  constexpr auto max = limits::max_chunk_size_bytes;
  EXPECT_FALSE(decodes(read_msg{0, 0, 1, {}})) << "handle 0";
  EXPECT_TRUE(decodes(read_msg{1, 0, max, {}}));
  EXPECT_TRUE(decodes(read_msg{1, max - 1, 1, {}}));
  EXPECT_TRUE(decodes(read_msg{1, max, 0, {}}));
  EXPECT_FALSE(decodes(read_msg{1, 0, max + 1, {}})) << "oversized length";
  EXPECT_FALSE(decodes(read_msg{1, max, 1, {}})) << "range ends past the largest chunk";
  EXPECT_FALSE(decodes(read_msg{1, max + 1, 0, {}})) << "offset past the largest chunk";
  EXPECT_FALSE(decodes(read_msg{1, ~0ull, 2, {}})) << "offset + length wraps";
  EXPECT_FALSE(decodes(stat_msg{0, {}})) << "handle 0";
  EXPECT_FALSE(decodes(read_msg{1, 0, 1, std::string(max_token_bytes + 1, 't')})) << "long token";
  EXPECT_FALSE(decodes(stat_msg{1, std::string(max_token_bytes + 1, 't')})) << "long token";
  EXPECT_TRUE(decodes(stat_reply_msg{1, max, 0}));
  EXPECT_FALSE(decodes(stat_reply_msg{1, max + 1, 0})) << "replica longer than a chunk";
}

TEST(DataMessages, ListReplyBoundsAreChecked) {
  constexpr auto max = limits::max_chunk_size_bytes;
  EXPECT_TRUE(decodes(list_reply_msg{1, 0, {{1, 1, max}}}));
  EXPECT_FALSE(decodes(list_reply_msg{1, 0, {{0, 1, 1}}})) << "handle 0";
  EXPECT_FALSE(decodes(list_reply_msg{1, 0, {{1, 1, max + 1}}})) << "oversized entry";
  EXPECT_FALSE(decodes(list_reply_msg{1, 0, {{1, 1, 1}, {2, 1, 1}}})) << "more than the total";
  // A count above what fits one frame is refused before any entry is read.
  list_reply_msg out;
  auto count_only = wire_writer().u32(max_list_entries + 1).u64(~0ull).u64(0).take();
  EXPECT_FALSE(decode(count_only, out));
  count_only = wire_writer().u32(~0u).u64(~0ull).u64(0).take();
  EXPECT_FALSE(decode(count_only, out));
}

TEST(DataMessages, AListReplyFitsOneFrame) {
  list_reply_msg big{1u << 20, 0, std::vector<list_entry>(max_list_entries + 10, {1, 2, 3})};
  auto bytes = encode(big);
  EXPECT_LE(bytes.size() + 4 + 4 + max_reply_message_bytes, max_frame_payload_bytes);
  list_reply_msg back;
  ASSERT_TRUE(decode(bytes, back));
  EXPECT_EQ(back.entries.size(), max_list_entries);
  EXPECT_EQ(back.total_chunks, 1u << 20);
}

}  // namespace
}  // namespace dfs::net
