#pragma once
// Per-block CRC32C of chunk data. A chunk is checksummed in 64 KiB blocks so that a read of a
// small range verifies only the blocks it touches, and a corrupt block is named precisely.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/chunkstore/error.hpp"

namespace dfs::chunkstore {

inline constexpr uint64_t block_size_bytes = 64 * 1024;

inline uint64_t block_count(uint64_t length_bytes) {
  return (length_bytes + block_size_bytes - 1) / block_size_bytes;
}

// CRC32C of each 64 KiB block (the last one may be shorter). Empty data has no blocks.
std::vector<uint32_t> compute_block_crcs(std::string_view data);

// The block CRCs and the whole CRC32C of data that arrives in pieces of any size (a replica
// copy streamed to disk frame by frame): the same values compute_block_crcs and crc32c give for
// the whole data at once, without ever holding it whole.
class checksum_builder {
 public:
  void add(std::string_view bytes);
  uint64_t length() const { return length_; }
  uint32_t whole_crc() const { return whole_; }
  std::vector<uint32_t> block_crcs() const;  // the last block may be partial

 private:
  std::vector<uint32_t> full_;  // CRCs of the complete blocks so far
  uint32_t partial_ = 0;        // CRC of the bytes of the block being filled
  uint64_t partial_bytes_ = 0;
  uint64_t length_ = 0;
  uint32_t whole_ = 0;
};

// The whole blocks a read of [offset, offset + length) must load and verify.
struct block_span {
  uint64_t first_block = 0;
  uint64_t block_count = 0;
  uint64_t offset_bytes = 0;  // = first_block * block_size_bytes
  uint64_t length_bytes = 0;  // bytes of those blocks within the chunk
};

// Errors: out_of_range if the range ends past `chunk_length_bytes`. A zero-length read at or
// before the end is valid and touches no blocks.
result<block_span> blocks_for_range(uint64_t offset, uint64_t length, uint64_t chunk_length_bytes);

// Checks `bytes` (whole blocks starting at `first_block`) against `crcs`. Error corrupt with
// "corrupt block N" (N counted from the start of the chunk) at the first mismatch.
result<void> verify_blocks(uint64_t first_block, std::string_view bytes,
                           const std::vector<uint32_t>& crcs);

}  // namespace dfs::chunkstore
