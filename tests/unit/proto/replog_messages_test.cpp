// The replicated log's messages and records (proto/replog.hpp) survive CAF's binary serializer
// field by field, and its byte codecs (what storage/replog_disk writes) round-trip and reject
// truncated, garbage and trailing bytes. Every field is set to a non-default value, so a field
// missing from an inspect() comes back default and fails (operator== in core/replog names every
// field).
#include <caf/all.hpp>

#include <string>

#include "proto/registry.hpp"
#include "proto/replog.hpp"
#include "roundtrip.hpp"

using namespace dfs;
using dfs::test::expect_roundtrip;

namespace {

replog::configuration config3() {
  return {{{endpoint{"10.0.0.1", 7000}, 0},
           {endpoint{"10.0.0.2", 7000}, 1719000000001ull},
           {endpoint{"10.0.0.3", 7001}, 3}}};
}

replog::entry data_entry(uint64_t index) {
  replog::entry e;
  e.index = index;
  e.term = 7;
  e.kind = replog::entry_kind::data;
  e.data = std::string("batch\0bytes-", 12) + std::to_string(index);
  return e;
}

replog::entry noop_entry(uint64_t index) {
  replog::entry e;
  e.index = index;
  e.term = 8;
  e.kind = replog::entry_kind::noop;
  return e;
}

replog::entry config_entry(uint64_t index) {
  replog::entry e;
  e.index = index;
  e.term = 9;
  e.kind = replog::entry_kind::config;
  e.config = config3();
  return e;
}

replog::snapshot_meta meta() {
  return {41, 6, config3()};
}

replog::hard_state hard() {
  return {1719000000001ull, 12, endpoint{"10.0.0.2", 7000}, 5, 40};
}

// Every field non-default; `kind` picks which message kind it claims to be.
replog::message full_message(replog::message_kind kind) {
  replog::message m;
  m.kind = kind;
  m.term = 12;
  m.incarnation = 1719000000001ull;
  m.pre_vote = true;
  m.granted = true;
  m.last_index = 44;
  m.last_term = 11;
  m.prev_index = 42;
  m.prev_term = 10;
  m.commit = 40;
  m.entries = {data_entry(43), noop_entry(44), config_entry(45)};
  m.match_index = 39;
  m.hint_index = 38;
  m.snapshot = meta();
  m.offset = 65536;
  m.total_bytes = 1 << 20;
  m.chunk = std::string("chunk\0of\0state", 14);
  return m;
}

const replog::message_kind all_kinds[] = {
    replog::message_kind::vote_request, replog::message_kind::vote_reply,
    replog::message_kind::append,       replog::message_kind::append_reply,
    replog::message_kind::snapshot,     replog::message_kind::snapshot_reply,
    replog::message_kind::timeout_now,
};

TEST(ReplogMessages, EveryKindRoundTrips) {
  for (auto k : all_kinds) {
    SCOPED_TRACE(replog::to_string(k));
    auto m = full_message(k);
    EXPECT_TRUE(proto::valid(m));
    expect_roundtrip(m);
  }
  expect_roundtrip(replog::message{});  // defaults, no entries
}

TEST(ReplogMessages, RecordsRoundTrip) {
  expect_roundtrip(data_entry(1));
  expect_roundtrip(noop_entry(2));
  expect_roundtrip(config_entry(3));
  expect_roundtrip(meta());
  expect_roundtrip(hard());
  expect_roundtrip(config3());
  expect_roundtrip(config3().voters[1]);
}

// Guards the round-trip tests themselves: each field alone makes two messages differ.
TEST(ReplogMessages, EqualityNamesEveryField) {
  const auto base = full_message(replog::message_kind::append);
  auto changed = [&](auto mutate) {
    auto m = base;
    mutate(m);
    return !(m == base);
  };
  EXPECT_TRUE(changed([](auto& m) { m.kind = replog::message_kind::vote_reply; }));
  EXPECT_TRUE(changed([](auto& m) { m.term++; }));
  EXPECT_TRUE(changed([](auto& m) { m.incarnation++; }));
  EXPECT_TRUE(changed([](auto& m) { m.pre_vote = false; }));
  EXPECT_TRUE(changed([](auto& m) { m.granted = false; }));
  EXPECT_TRUE(changed([](auto& m) { m.last_index++; }));
  EXPECT_TRUE(changed([](auto& m) { m.last_term++; }));
  EXPECT_TRUE(changed([](auto& m) { m.prev_index++; }));
  EXPECT_TRUE(changed([](auto& m) { m.prev_term++; }));
  EXPECT_TRUE(changed([](auto& m) { m.commit++; }));
  EXPECT_TRUE(changed([](auto& m) { m.entries[2].config.voters[0].incarnation++; }));
  EXPECT_TRUE(changed([](auto& m) { m.match_index++; }));
  EXPECT_TRUE(changed([](auto& m) { m.hint_index++; }));
  EXPECT_TRUE(changed([](auto& m) { m.snapshot.config.voters[2].address.port++; }));
  EXPECT_TRUE(changed([](auto& m) { m.offset++; }));
  EXPECT_TRUE(changed([](auto& m) { m.total_bytes++; }));
  EXPECT_TRUE(changed([](auto& m) { m.chunk += "x"; }));
}

TEST(ReplogMessages, KindsHaveStableWireValues) {
  EXPECT_EQ(static_cast<int>(replog::entry_kind::data), 0);
  EXPECT_EQ(static_cast<int>(replog::entry_kind::noop), 1);
  EXPECT_EQ(static_cast<int>(replog::entry_kind::config), 2);
  EXPECT_EQ(static_cast<int>(replog::message_kind::vote_request), 1);
  EXPECT_EQ(static_cast<int>(replog::message_kind::snapshot_reply), 6);
  EXPECT_EQ(static_cast<int>(replog::message_kind::timeout_now), 7);
}

TEST(ReplogMessages, UnknownKindsAreNotValid) {
  auto m = full_message(replog::message_kind::append);
  m.kind = static_cast<replog::message_kind>(8);
  EXPECT_FALSE(proto::valid(m));
  m = full_message(replog::message_kind::append);
  m.entries[1].kind = static_cast<replog::entry_kind>(3);
  EXPECT_FALSE(proto::valid(m));
}

TEST(ReplogMessages, RegisteredUnderAStableName) {
  caf::actor_system_config cfg;
  register_message_types(cfg);
  caf::actor_system sys{cfg};
  EXPECT_EQ(sys.types().portable_name(0, &typeid(replog::message)), "dfs::replog::message");
}

// -- byte codecs ---------------------------------------------------------------------------------

TEST(ReplogCodecs, EntriesRoundTrip) {
  for (const auto& e : {data_entry(1), noop_entry(2), config_entry(3), replog::entry{}}) {
    auto bytes = proto::encode_replog_entry(e);
    auto back = proto::decode_replog_entry(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_TRUE(*back == e);
  }
}

TEST(ReplogCodecs, HardStateAndSnapshotMetaRoundTrip) {
  auto h = proto::decode_replog_hard_state(proto::encode_replog_hard_state(hard()));
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(*h == hard());
  auto m = proto::decode_replog_snapshot_meta(proto::encode_replog_snapshot_meta(meta()));
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(*m == meta());
}

// Every proper prefix, the bytes plus a trailing byte, and each format/kind byte wrong.
TEST(ReplogCodecs, TruncatedAndTrailingBytesAreRejected) {
  auto e = proto::encode_replog_entry(config_entry(3));
  auto h = proto::encode_replog_hard_state(hard());
  auto m = proto::encode_replog_snapshot_meta(meta());
  for (size_t n = 0; n < e.size(); ++n)
    EXPECT_FALSE(proto::decode_replog_entry(e.substr(0, n))) << "entry prefix " << n;
  for (size_t n = 0; n < h.size(); ++n)
    EXPECT_FALSE(proto::decode_replog_hard_state(h.substr(0, n))) << "hard prefix " << n;
  for (size_t n = 0; n < m.size(); ++n)
    EXPECT_FALSE(proto::decode_replog_snapshot_meta(m.substr(0, n))) << "meta prefix " << n;
  EXPECT_FALSE(proto::decode_replog_entry(e + '\0'));
  EXPECT_FALSE(proto::decode_replog_hard_state(h + '\0'));
  EXPECT_FALSE(proto::decode_replog_snapshot_meta(m + '\0'));
  auto wrong_format = e;
  wrong_format[0] = 2;
  EXPECT_FALSE(proto::decode_replog_entry(wrong_format));
}

TEST(ReplogCodecs, UnknownEntryKindIsRejected) {
  auto bytes = proto::encode_replog_entry(noop_entry(2));
  // format byte, index (8), term (8), then the kind byte.
  ASSERT_EQ(bytes[17], 1);
  bytes[17] = 3;
  EXPECT_FALSE(proto::decode_replog_entry(bytes));
}

// Lengths of 2^60 inside a few bytes: an error, never an attempt to allocate them.
TEST(ReplogCodecs, GarbageIsRejectedWithoutHugeAllocations) {
  std::string huge(1, '\1');
  huge += std::string(16, '\0');                   // index, term
  huge += '\0';                                    // kind
  huge += "\xff\xff\xff\xff\xff\xff\xff\xff\x0f";  // data length (varbyte)
  EXPECT_FALSE(proto::decode_replog_entry(huge));
  std::string voters(1, '\1');
  voters += std::string(16, '\0');
  voters += "\xff\xff\xff\xff\xff\xff\xff\xff\x0f";  // number of voters
  EXPECT_FALSE(proto::decode_replog_snapshot_meta(voters));
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (int round = 0; round < 2000; ++round) {
    std::string junk;
    for (int i = 0; i < round % 64; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      junk += static_cast<char>(x);
    }
    (void)proto::decode_replog_entry(junk);  // must neither crash nor throw
    (void)proto::decode_replog_hard_state(junk);
    (void)proto::decode_replog_snapshot_meta(junk);
  }
}

}  // namespace
