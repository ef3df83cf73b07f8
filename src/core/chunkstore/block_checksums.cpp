#include "core/chunkstore/block_checksums.hpp"

#include <algorithm>

#include "common/crc32c.hpp"

namespace dfs::chunkstore {

std::vector<uint32_t> compute_block_crcs(std::string_view data) {
  std::vector<uint32_t> out;
  out.reserve(block_count(data.size()));
  for (uint64_t pos = 0; pos < data.size(); pos += block_size_bytes) {
    auto n = std::min<uint64_t>(block_size_bytes, data.size() - pos);
    out.push_back(dfs::crc32c(data.data() + pos, n));
  }
  return out;
}

void checksum_builder::add(std::string_view bytes) {
  whole_ = dfs::crc32c(bytes, whole_);
  length_ += bytes.size();
  while (!bytes.empty()) {
    auto n = std::min<uint64_t>(block_size_bytes - partial_bytes_, bytes.size());
    partial_ = dfs::crc32c(bytes.substr(0, n), partial_);
    partial_bytes_ += n;
    bytes.remove_prefix(n);
    if (partial_bytes_ == block_size_bytes) {
      full_.push_back(partial_);
      partial_ = 0;
      partial_bytes_ = 0;
    }
  }
}

std::vector<uint32_t> checksum_builder::block_crcs() const {
  auto out = full_;
  if (partial_bytes_ > 0) out.push_back(partial_);
  return out;
}

result<block_span> blocks_for_range(uint64_t offset, uint64_t length, uint64_t chunk_length_bytes) {
  if (offset > chunk_length_bytes || length > chunk_length_bytes - offset)
    return make_error(errc::out_of_range, "range " + std::to_string(offset) + "+" +
                                              std::to_string(length) + " past the end (" +
                                              std::to_string(chunk_length_bytes) + " bytes)");
  block_span s;
  if (length == 0) return s;
  s.first_block = offset / block_size_bytes;
  auto last_block = (offset + length - 1) / block_size_bytes;
  s.block_count = last_block - s.first_block + 1;
  s.offset_bytes = s.first_block * block_size_bytes;
  s.length_bytes =
      std::min(chunk_length_bytes, (last_block + 1) * block_size_bytes) - s.offset_bytes;
  return s;
}

result<void> verify_blocks(uint64_t first_block, std::string_view bytes,
                           const std::vector<uint32_t>& crcs) {
  uint64_t block = first_block;
  for (uint64_t pos = 0; pos < bytes.size(); pos += block_size_bytes, ++block) {
    if (block >= crcs.size())
      return make_error(errc::corrupt, "corrupt block " + std::to_string(block) +
                                           ": beyond the checksummed length");
    auto n = std::min<uint64_t>(block_size_bytes, bytes.size() - pos);
    if (dfs::crc32c(bytes.data() + pos, n) != crcs[block])
      return make_error(errc::corrupt, "corrupt block " + std::to_string(block));
  }
  return {};
}

}  // namespace dfs::chunkstore
