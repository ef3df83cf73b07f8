#pragma once
// What a chunkserver knows about one stored chunk, and its on-disk header (pure codec).
//
// Chunk file = header + data. Header (all integers little-endian):
//   offset  size          field
//   0       4             magic 0x43534644 ("DFSC" in file order)
//   4       2             format version (1 or 2, below)
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
//
// Format 1 (a small chunk as a push commits it) is written once, whole (tmp + rename). Format 2
// (a large pushed chunk, pushed_format below, or one that took a lease) takes writes in place
// (chunk_mutation.hpp): its header region is a fixed mutable_header_bytes, room for the CRCs of the
// largest chunk plus zero padding, so the data never moves when the chunk grows and block 0 starts
// page-aligned. The first write into (or version bump of) a format 1 chunk rewrites it once as
// format 2. The header CRC covers the same bytes in both.
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
inline constexpr uint16_t chunk_file_version_mutable = 2;
inline constexpr size_t chunk_header_fixed_bytes = 48;
inline constexpr uint64_t mutable_header_bytes = 8192;
static_assert(chunk_header_fixed_bytes + 4 * (limits::max_chunk_size_bytes / block_size_bytes) <=
                  mutable_header_bytes,
              "a format 2 header holds the CRCs of the largest chunk");

struct chunk_meta {
  chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t length_bytes = 0;
  uint32_t crc32c = 0;  // whole chunk: what the master stores and R > 1 reads compare
  std::vector<uint32_t> block_crcs;
  uint16_t format = chunk_file_version;  // 2: written in place (see above)

  uint64_t header_bytes() const {
    return format == chunk_file_version_mutable ? mutable_header_bytes
                                                : chunk_header_fixed_bytes + 4 * block_crcs.size();
  }
};

// The format a pushed chunk of `length` bytes is stored in. Large chunks go to format 2 at once:
// its fixed header costs at most 0.8 % there, and a first write (or a lease's version bump)
// would otherwise rewrite the whole chunk. Small ones keep the compact format 1 header (an
// 8 KiB header would triple a 4 KiB file) and are rewritten cheaply if ever written to.
inline constexpr uint64_t in_place_from_bytes = 1 << 20;
inline uint16_t pushed_format(uint64_t length_bytes) {
  return length_bytes >= in_place_from_bytes ? chunk_file_version_mutable : chunk_file_version;
}

// Computes the checksums of `data`.
chunk_meta describe_chunk(chunk_handle handle, uint64_t chunk_version, std::string_view data);

// Exactly m.header_bytes() bytes (format 2: zero-padded).
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
