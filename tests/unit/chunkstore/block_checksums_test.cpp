#include "core/chunkstore/block_checksums.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/crc32c.hpp"

using namespace dfs::chunkstore;

namespace {

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131) ^ (i >> 9));
  return s;
}

}  // namespace

TEST(BlockChecksums, OnePerBlockLastShort) {
  auto data = pattern(2 * block_size_bytes + 100);
  auto crcs = compute_block_crcs(data);
  ASSERT_EQ(crcs.size(), 3u);
  EXPECT_EQ(crcs[1],
            dfs::crc32c(std::string_view(data).substr(block_size_bytes, block_size_bytes)));
  EXPECT_EQ(crcs[2], dfs::crc32c(std::string_view(data).substr(2 * block_size_bytes)));
  EXPECT_TRUE(compute_block_crcs("").empty());
  EXPECT_EQ(block_count(0), 0u);
  EXPECT_EQ(block_count(1), 1u);
  EXPECT_EQ(block_count(block_size_bytes), 1u);
  EXPECT_EQ(block_count(block_size_bytes + 1), 2u);
}

TEST(BlockChecksums, RangeToBlocks) {
  const uint64_t len = 3 * block_size_bytes + 10;
  auto s = blocks_for_range(block_size_bytes - 1, 2, len);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->first_block, 0u);
  EXPECT_EQ(s->block_count, 2u);
  EXPECT_EQ(s->offset_bytes, 0u);
  EXPECT_EQ(s->length_bytes, 2 * block_size_bytes);
  s = blocks_for_range(3 * block_size_bytes + 5, 5, len);  // tail of the short last block
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->first_block, 3u);
  EXPECT_EQ(s->length_bytes, 10u);
  s = blocks_for_range(len, 0, len);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->block_count, 0u);
  EXPECT_EQ(blocks_for_range(len - 1, 2, len).err().code, errc::out_of_range);
  EXPECT_EQ(blocks_for_range(len + 1, 0, len).err().code, errc::out_of_range);
  EXPECT_EQ(blocks_for_range(5, UINT64_MAX, len).err().code, errc::out_of_range);
}

TEST(BlockChecksums, FlippedByteNamesItsBlock) {
  auto data = pattern(4 * block_size_bytes);
  auto crcs = compute_block_crcs(data);
  EXPECT_TRUE(verify_blocks(0, data, crcs).ok());
  for (uint64_t block = 0; block < 4; ++block) {
    auto bad = data;
    bad[block * block_size_bytes + 777] ^= 0x01;
    auto r = verify_blocks(0, bad, crcs);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().code, errc::corrupt);
    EXPECT_EQ(r.err().message, "corrupt block " + std::to_string(block));
  }
  // Verifying a sub-range uses the block numbers of the chunk.
  auto tail = data.substr(2 * block_size_bytes);
  tail[block_size_bytes + 1] ^= 0x80;
  EXPECT_EQ(verify_blocks(2, tail, crcs).err().message, "corrupt block 3");
  EXPECT_FALSE(verify_blocks(3, data.substr(0, 2 * block_size_bytes), crcs).ok());
}

TEST(BlockChecksums, BuiltPieceByPieceTheyMatchTheWholeData) {
  // Pieces of every awkward size: empty, one byte, across a block edge, several blocks.
  auto data = pattern(5 * block_size_bytes + 777);
  for (size_t step : {size_t{1} << 20, size_t{1}, size_t{4095}, size_t{block_size_bytes},
                      size_t{block_size_bytes + 1}, size_t{3 * block_size_bytes - 5}}) {
    checksum_builder b;
    b.add("");
    for (size_t pos = 0; pos < data.size(); pos += step)
      b.add(std::string_view(data).substr(pos, step));
    EXPECT_EQ(b.length(), data.size()) << step;
    EXPECT_EQ(b.whole_crc(), dfs::crc32c(data)) << step;
    EXPECT_EQ(b.block_crcs(), compute_block_crcs(data)) << step;
  }
  checksum_builder empty;
  EXPECT_TRUE(empty.block_crcs().empty());
  EXPECT_EQ(empty.whole_crc(), dfs::crc32c(""));
}
