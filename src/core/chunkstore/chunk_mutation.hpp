#pragma once
// Writes into a committed chunk (GFS mutations: write at an offset, record append's padding),
// the pure part: which blocks a write touches, what is refused, the new metadata.
//
// A write of `length` bytes at `offset` touches blocks first..last. The chunk store loads the
// old bytes of those blocks that lie within the old length (verifying them against the old
// block CRCs: a corrupt block is an error, never re-checksummed), lays the new bytes over them
// (`image`), and `apply_mutation` computes the new block CRCs of exactly those blocks, the new
// length and the whole-chunk CRC32C. The whole-chunk CRC is combined from the block CRCs
// (CRC32C of a concatenation = shift(crc(A), |B|) xor crc(B)), so a 4 KiB write into a 64 MiB
// chunk reads and checksums at most two partial blocks, never the whole chunk.
//
// Refused (invalid_argument / out_of_range, one message each): an empty write; an offset past
// the chunk's end (a hole: record append pads explicitly with pad_to, a write past the end of a
// file is preceded by padding of the chunk up to its start); an end beyond
// limits::max_chunk_size_bytes; a version below the chunk's (a stale primary).
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/chunkstore/chunk_meta.hpp"
#include "core/chunkstore/error.hpp"

namespace dfs::chunkstore {

// CRC32C of A followed by B, from crc(A), crc(B) and |B| (zlib's crc32_combine for CRC32C).
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

// The whole-chunk CRC32C of a chunk of `length_bytes` whose 64 KiB blocks have `block_crcs`.
uint32_t chunk_crc_from_blocks(const std::vector<uint32_t>& block_crcs, uint64_t length_bytes);

// What a write of [offset, offset + length) must load before it can be applied.
struct mutation_span {
  uint64_t first_block = 0;
  uint64_t block_count = 0;    // blocks the write touches (new ones included)
  uint64_t offset_bytes = 0;   // = first_block * block_size_bytes
  uint64_t old_bytes = 0;      // bytes of the old chunk in those blocks: load and verify them
  uint64_t new_end_bytes = 0;  // the chunk's length afterwards
};

// Validates a write against the chunk's current metadata.
result<mutation_span> plan_mutation(const chunk_meta& old, uint64_t offset, uint64_t length,
                                    uint64_t version);

// The metadata after the write: `image` holds the new bytes of the touched blocks, starting
// at span.offset_bytes and ending at span.new_end_bytes or a block boundary, whichever is
// first. Only the CRCs of those blocks are recomputed. The format is the old one's.
chunk_meta apply_mutation(const chunk_meta& old, const mutation_span& span, std::string_view image,
                          uint64_t version);

}  // namespace dfs::chunkstore
