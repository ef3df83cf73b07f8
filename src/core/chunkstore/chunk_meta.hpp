#pragma once
// What a chunkserver knows about one stored chunk, and its on-disk header (pure codec).
//
// Chunk file = header + data. Header (all integers little-endian):
//   offset  size          field
//   0       4             magic 0x43534644 ("DFSC" in file order)
//   4       2             format version (1)
//   6       2             reserved (0)
//   8       8             chunk handle
//   16      8             chunk version
//   24      8             data length in bytes
//   32      4             CRC32C of the whole data
//   36      4             block count (= ceil(length / 64 KiB))
//   40      4             block size in bytes (65536)
//   44      4             CRC32C of header bytes 0..43 followed by the block CRC array
//   48      4 * blocks    CRC32C of each 64 KiB block
//   then    length        data
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/limits.hpp"
#include "core/chunkstore/block_checksums.hpp"
#include "core/chunkstore/error.hpp"
#include "core/master/ids.hpp"

namespace dfs::chunkstore {

using master::chunk_handle;

inline constexpr uint32_t chunk_file_magic = 0x43534644;
inline constexpr uint16_t chunk_file_version = 1;
inline constexpr size_t chunk_header_fixed_bytes = 48;

struct chunk_meta {
  chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t length_bytes = 0;
  uint32_t crc32c = 0;  // whole chunk: what the master stores and R > 1 reads compare
  std::vector<uint32_t> block_crcs;

  uint64_t header_bytes() const { return chunk_header_fixed_bytes + 4 * block_crcs.size(); }
};

// Computes the checksums of `data`.
chunk_meta describe_chunk(chunk_handle handle, uint64_t chunk_version, std::string_view data);

std::string encode_header(const chunk_meta& m);

// Parses a header from the start of `bytes` (which may hold more, e.g. the data). Errors:
// corrupt (bad magic, version, sizes or CRC), naming what is wrong; out_of_range when `bytes`
// is too short to hold the block CRC array (read more and try again).
result<chunk_meta> decode_header(std::string_view bytes);

// Bytes to read from the file start to decode a header for a chunk of up to `length` bytes.
inline uint64_t header_bytes_for(uint64_t length_bytes) {
  return chunk_header_fixed_bytes + 4 * block_count(length_bytes);
}

}  // namespace dfs::chunkstore
