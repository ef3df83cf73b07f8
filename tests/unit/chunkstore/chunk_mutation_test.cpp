// Writes into committed chunks, the pure part: spans, refusals, CRC combination.
#include "core/chunkstore/chunk_mutation.hpp"

#include <gtest/gtest.h>

#include "common/crc32c.hpp"

using namespace dfs::chunkstore;

namespace {

std::string pattern(size_t n, int seed = 1) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed) >> 7);
  return s;
}

chunk_meta meta_of(const std::string& data, uint64_t version = 3) {
  auto m = describe_chunk(chunk_handle{5}, version, data);
  m.format = chunk_file_version_mutable;
  return m;
}

}  // namespace

TEST(ChunkMutation, CombineMatchesCrcOfConcatenation) {
  for (size_t a : {0u, 1u, 7u, 4096u, 65537u}) {
    for (size_t b : {0u, 1u, 13u, 65536u, 100000u}) {
      auto x = pattern(a, 1), y = pattern(b, 2);
      EXPECT_EQ(crc32c_combine(dfs::crc32c(x), dfs::crc32c(y), b), dfs::crc32c(x + y))
          << a << "+" << b;
    }
  }
}

TEST(ChunkMutation, ChunkCrcFromBlocks) {
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, block_size_bytes, block_size_bytes + 1,
                     3 * block_size_bytes - 7, 5 * block_size_bytes}) {
    auto d = pattern(n, 3);
    EXPECT_EQ(chunk_crc_from_blocks(compute_block_crcs(d), n), dfs::crc32c(d)) << n;
  }
}

TEST(ChunkMutation, PlanSpansTouchedBlocks) {
  auto m = meta_of(pattern(3 * block_size_bytes + 100));
  auto s = plan_mutation(m, block_size_bytes - 10, 20, 3);
  ASSERT_TRUE(s.ok()) << s.err().message;
  EXPECT_EQ(s->first_block, 0u);
  EXPECT_EQ(s->block_count, 2u);
  EXPECT_EQ(s->old_bytes, 2 * block_size_bytes);
  EXPECT_EQ(s->new_end_bytes, m.length_bytes);
  // At the end: the last partial block is loaded, the chunk grows into a new block.
  s = plan_mutation(m, m.length_bytes, block_size_bytes, 4);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->first_block, 3u);
  EXPECT_EQ(s->block_count, 2u);
  EXPECT_EQ(s->old_bytes, 100u);
  EXPECT_EQ(s->new_end_bytes, m.length_bytes + block_size_bytes);
  // Starting on a block boundary at the end: nothing old to load.
  auto even = meta_of(pattern(2 * block_size_bytes));
  s = plan_mutation(even, 2 * block_size_bytes, 1, 3);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->old_bytes, 0u);
}

TEST(ChunkMutation, RefusesBadWrites) {
  auto m = meta_of(pattern(1000));
  EXPECT_EQ(plan_mutation(m, 0, 0, 3).err().code, errc::invalid_argument);  // empty
  EXPECT_EQ(plan_mutation(m, 1001, 1, 3).err().code, errc::out_of_range);   // a hole
  EXPECT_EQ(plan_mutation(m, 0, 1, 2).err().code, errc::invalid_argument);  // stale
  EXPECT_EQ(plan_mutation(m, 1000, dfs::limits::max_chunk_size_bytes, 3).err().code,
            errc::invalid_argument);  // past the chunk size limit
  EXPECT_NE(plan_mutation(m, 1001, 1, 3).err().message.find("hole"), std::string::npos);
  EXPECT_TRUE(plan_mutation(m, 1000, dfs::limits::max_chunk_size_bytes - 1000, 3).ok());
}

TEST(ChunkMutation, ApplyRecomputesOnlyTouchedBlocks) {
  auto data = pattern(3 * block_size_bytes + 100);
  auto m = meta_of(data);
  uint64_t off = 2 * block_size_bytes + 5, len = 2 * block_size_bytes;
  auto s = plan_mutation(m, off, len, 9);
  ASSERT_TRUE(s.ok());
  auto expect = data;
  expect.resize(off + len);
  expect.replace(off, len, pattern(len, 7));
  auto image = expect.substr(s->offset_bytes);
  auto nm = apply_mutation(m, *s, image, 9);
  auto full = describe_chunk(m.handle, 9, expect);
  EXPECT_EQ(nm.chunk_version, 9u);
  EXPECT_EQ(nm.length_bytes, expect.size());
  EXPECT_EQ(nm.block_crcs, full.block_crcs);
  EXPECT_EQ(nm.crc32c, full.crc32c);
  EXPECT_EQ(nm.format, chunk_file_version_mutable);
}

TEST(ChunkMutation, MutableHeaderRoundTrip) {
  auto m = meta_of(pattern(block_size_bytes + 1), 4);
  auto h = encode_header(m);
  EXPECT_EQ(h.size(), mutable_header_bytes);
  auto back = decode_header(h);
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_EQ(back->format, chunk_file_version_mutable);
  EXPECT_EQ(back->header_bytes(), mutable_header_bytes);
  EXPECT_EQ(back->block_crcs, m.block_crcs);
  h[20] ^= 1;  // the version field, as a torn header write would leave it
  EXPECT_EQ(decode_header(h).err().code, errc::corrupt);
}
