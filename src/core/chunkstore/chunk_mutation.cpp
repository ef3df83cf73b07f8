#include "core/chunkstore/chunk_mutation.hpp"

#include <algorithm>
#include <array>

#include "common/assert.hpp"
#include "common/crc32c.hpp"
#include "common/limits.hpp"

namespace dfs::chunkstore {

namespace {

constexpr uint32_t crc32c_poly_reflected = 0x82F63B78u;

// a * b modulo the CRC polynomial (bit-reflected, as in zlib's multmodp).
uint32_t mult_mod_p(uint32_t a, uint32_t b) {
  uint32_t m = 1u << 31;
  uint32_t p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ crc32c_poly_reflected : b >> 1;
  }
  return p;
}

// x^(2^k) mod p for k = 0..31.
std::array<uint32_t, 32> make_x2n_table() {
  std::array<uint32_t, 32> t{};
  uint32_t p = 1u << 30;  // x^1
  t[0] = p;
  for (size_t n = 1; n < t.size(); ++n) t[n] = p = mult_mod_p(p, p);
  return t;
}

// x^(8 * bytes) mod p: the operator that shifts a CRC over `bytes` zero bytes.
uint32_t x8nmodp(uint64_t bytes) {
  static const auto table = make_x2n_table();
  uint32_t p = 1u << 31;  // x^0
  unsigned k = 3;         // 8 = 2^3 bits per byte
  while (bytes != 0) {
    if (bytes & 1) p = mult_mod_p(table[k & 31], p);
    bytes >>= 1;
    ++k;
  }
  return p;
}

}  // namespace

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return mult_mod_p(x8nmodp(length_b), crc_a) ^ crc_b;
}

uint32_t chunk_crc_from_blocks(const std::vector<uint32_t>& block_crcs, uint64_t length_bytes) {
  DFS_ASSERT(block_crcs.size() == block_count(length_bytes), "one CRC per block");
  if (block_crcs.empty()) return dfs::crc32c(std::string_view{});
  static const uint32_t full_block_shift = x8nmodp(block_size_bytes);
  uint32_t crc = block_crcs[0];
  for (size_t i = 1; i < block_crcs.size(); ++i) {
    auto len = std::min<uint64_t>(block_size_bytes, length_bytes - i * block_size_bytes);
    auto shift = len == block_size_bytes ? full_block_shift : x8nmodp(len);
    crc = mult_mod_p(shift, crc) ^ block_crcs[i];
  }
  return crc;
}

result<mutation_span> plan_mutation(const chunk_meta& old, uint64_t offset, uint64_t length,
                                    uint64_t version) {
  auto chunk = " of chunk " + old.handle.to_string();
  if (length == 0) return make_error(errc::invalid_argument, "empty write" + chunk);
  if (offset > old.length_bytes)
    return make_error(errc::out_of_range, "write at " + std::to_string(offset) +
                                              " would leave a hole past the end" + chunk + " (" +
                                              std::to_string(old.length_bytes) + " bytes)");
  if (length > limits::max_chunk_size_bytes - offset)
    return make_error(errc::invalid_argument,
                      "write of " + std::to_string(length) + " bytes at " + std::to_string(offset) +
                          " ends past the chunk size limit (" +
                          std::to_string(limits::max_chunk_size_bytes) + " bytes)");
  if (version < old.chunk_version)
    return make_error(errc::invalid_argument, "stale version " + std::to_string(version) + chunk +
                                                  " (holds " + std::to_string(old.chunk_version) +
                                                  ")");
  mutation_span s;
  s.first_block = offset / block_size_bytes;
  s.block_count = (offset + length - 1) / block_size_bytes - s.first_block + 1;
  s.offset_bytes = s.first_block * block_size_bytes;
  s.new_end_bytes = std::max(old.length_bytes, offset + length);
  auto touched_end = std::min(old.length_bytes, (s.first_block + s.block_count) * block_size_bytes);
  s.old_bytes = touched_end > s.offset_bytes ? touched_end - s.offset_bytes : 0;
  return s;
}

chunk_meta apply_mutation(const chunk_meta& old, const mutation_span& span, std::string_view image,
                          uint64_t version) {
  auto image_end =
      std::min(span.new_end_bytes, (span.first_block + span.block_count) * block_size_bytes);
  DFS_ASSERT(image.size() == image_end - span.offset_bytes, "image covers the touched blocks");
  chunk_meta m = old;
  m.chunk_version = version;
  m.length_bytes = span.new_end_bytes;
  m.block_crcs.resize(block_count(m.length_bytes));
  auto crcs = compute_block_crcs(image);
  std::copy(crcs.begin(), crcs.end(), m.block_crcs.begin() + span.first_block);
  m.crc32c = chunk_crc_from_blocks(m.block_crcs, m.length_bytes);
  return m;
}

}  // namespace dfs::chunkstore
