#include "core/chunkstore/chunk_meta.hpp"

#include <gtest/gtest.h>

#include "common/crc32c.hpp"

using namespace dfs::chunkstore;

TEST(ChunkMeta, DescribeAndHeaderRoundTrip) {
  std::string data(3 * block_size_bytes / 2, 'q');
  auto m = describe_chunk(chunk_handle{0xabc}, 7, data);
  EXPECT_EQ(m.length_bytes, data.size());
  EXPECT_EQ(m.crc32c, dfs::crc32c(data));
  EXPECT_EQ(m.block_crcs.size(), 2u);
  auto h = encode_header(m);
  EXPECT_EQ(h.size(), m.header_bytes());
  EXPECT_EQ(h.size(), header_bytes_for(data.size()));
  EXPECT_EQ(h.substr(0, 4), "DFSC");
  auto back = decode_header(h + data);  // trailing data is fine
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_EQ(back->handle, m.handle);
  EXPECT_EQ(back->chunk_version, 7u);
  EXPECT_EQ(back->length_bytes, m.length_bytes);
  EXPECT_EQ(back->crc32c, m.crc32c);
  EXPECT_EQ(back->block_crcs, m.block_crcs);
}

TEST(ChunkMeta, EmptyChunk) {
  auto m = describe_chunk(chunk_handle{1}, 1, "");
  auto back = decode_header(encode_header(m));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->length_bytes, 0u);
  EXPECT_TRUE(back->block_crcs.empty());
}

TEST(ChunkMeta, EveryHeaderByteIsProtected) {
  auto h = encode_header(describe_chunk(chunk_handle{5}, 2, std::string(70000, 'x')));
  for (size_t i = 0; i < h.size(); ++i) {
    if (i >= 6 && i < 8) continue;  // reserved
    auto bad = h;
    bad[i] ^= 0x04;
    EXPECT_FALSE(decode_header(bad).ok()) << "byte " << i;
  }
  EXPECT_EQ(decode_header(h.substr(0, 47)).err().code, errc::corrupt);
  EXPECT_EQ(decode_header(h.substr(0, h.size() - 1)).err().code, errc::out_of_range);
}
