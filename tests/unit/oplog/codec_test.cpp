// master_log: every record kind and the snapshot round-trip through CAF's binary serializer.
#include <gtest/gtest.h>

#include "proto/master_log.hpp"
#include "unit/master/test_util.hpp"

using namespace dfs::master;
using dfs::proto::decode_record;
using dfs::proto::decode_snapshot;
using dfs::proto::encode_record;
using dfs::proto::encode_snapshot;

namespace {

std::vector<log_record> one_of_each() {
  return {
      mkdir_record{"/a/b"},
      remove_record{"/x"},
      allocate_record{chunk_handle{77}, 3},
      commit_record{"/a/f",
                    4,
                    1700000000000,
                    65536,
                    5,
                    {{chunk_handle{77}, 1, 65536, 0xdeadbeef}, {chunk_handle{78}, 2, 3, 1}}},
      abandon_record{{chunk_handle{9}, chunk_handle{10}}},
  };
}

}  // namespace

TEST(Codec, RecordsRoundTrip) {
  for (const auto& r : one_of_each()) {
    auto bytes = encode_record(r);
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), static_cast<uint8_t>(kind_of(r)));
    auto back = decode_record(bytes);
    ASSERT_TRUE(back.ok()) << back.err().message;
    EXPECT_EQ(back->index(), r.index());
    EXPECT_EQ(encode_record(*back), bytes);
  }
  auto c = std::get<commit_record>(*decode_record(encode_record(one_of_each()[3])));
  EXPECT_EQ(c.path, "/a/f");
  EXPECT_EQ(c.version_number, 4u);
  EXPECT_EQ(c.mtime_ms, 1700000000000u);
  EXPECT_EQ(c.max_versions, 5u);
  ASSERT_EQ(c.chunks.size(), 2u);
  EXPECT_EQ(c.chunks[0].crc32c, 0xdeadbeefu);
  EXPECT_EQ(c.chunks[1].chunk_version, 2u);
}

TEST(Codec, BadRecordBytes) {
  EXPECT_EQ(decode_record("").err().code, errc::corrupt_state);
  EXPECT_EQ(decode_record(std::string(1, '\x63')).err().code, errc::corrupt_state);
  auto bytes = encode_record(one_of_each()[3]);
  EXPECT_FALSE(decode_record(bytes.substr(0, bytes.size() - 1)).ok());
  auto trailing = decode_record(bytes + "zz");
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.err().message.find("trailing"), std::string::npos);
}

TEST(Codec, SnapshotRoundTrip) {
  dfs::master::test::driver d;
  d.mkdir("/a");
  d.put("/a/f", {10, 20});
  d.put("/a/f", {30});
  d.allocate("/a/g", {1});
  auto snap = d.state.snapshot();
  auto bytes = encode_snapshot(snap);
  auto back = decode_snapshot(bytes);
  ASSERT_TRUE(back.ok()) << back.err().message;
  auto st = master_state::from_snapshot(*back, {}, dfs::master::test::t0());
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->canonical_dump(), d.state.canonical_dump());
  EXPECT_FALSE(decode_snapshot(bytes.substr(0, bytes.size() / 2)).ok());
  EXPECT_FALSE(decode_snapshot("\x02").ok());
}
