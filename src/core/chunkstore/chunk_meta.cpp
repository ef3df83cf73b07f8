#include "core/chunkstore/chunk_meta.hpp"

#include "common/crc32c.hpp"
#include "common/little_endian.hpp"
#include "core/chunkstore/block_checksums.hpp"

namespace dfs::chunkstore {

namespace {

uint32_t header_crc(std::string_view fixed44, std::string_view crc_array) {
  return dfs::crc32c(crc_array, dfs::crc32c(fixed44));
}

}  // namespace

chunk_meta describe_chunk(chunk_handle handle, uint64_t chunk_version, std::string_view data) {
  chunk_meta m;
  m.handle = handle;
  m.chunk_version = chunk_version;
  m.length_bytes = data.size();
  m.crc32c = dfs::crc32c(data);
  m.block_crcs = compute_block_crcs(data);
  return m;
}

std::string encode_header(const chunk_meta& m) {
  std::string out;
  out.reserve(m.header_bytes());
  append_le(out, chunk_file_magic, 4);
  append_le(out, m.format, 2);
  append_le(out, 0, 2);
  append_le(out, m.handle.value, 8);
  append_le(out, m.chunk_version, 8);
  append_le(out, m.length_bytes, 8);
  append_le(out, m.crc32c, 4);
  append_le(out, m.block_crcs.size(), 4);
  append_le(out, block_size_bytes, 4);
  std::string crcs;
  for (auto c : m.block_crcs) append_le(crcs, c, 4);
  append_le(out, header_crc(out, crcs), 4);
  out += crcs;
  out.resize(m.header_bytes(), '\0');
  return out;
}

result<chunk_meta> decode_header(std::string_view bytes) {
  if (bytes.size() < chunk_header_fixed_bytes)
    return make_error(errc::corrupt, "chunk header truncated");
  const char* p = bytes.data();
  if (get_le(p, 4) != chunk_file_magic) return make_error(errc::corrupt, "bad chunk magic");
  auto format = get_le(p + 4, 2);
  if (format != chunk_file_version && format != chunk_file_version_mutable)
    return make_error(errc::corrupt, "unsupported chunk format " + std::to_string(format));
  chunk_meta m;
  m.format = static_cast<uint16_t>(format);
  m.handle.value = get_le(p + 8, 8);
  m.chunk_version = get_le(p + 16, 8);
  m.length_bytes = get_le(p + 24, 8);
  m.crc32c = static_cast<uint32_t>(get_le(p + 32, 4));
  auto blocks = get_le(p + 36, 4);
  if (get_le(p + 40, 4) != block_size_bytes || m.length_bytes > limits::max_chunk_size_bytes ||
      blocks != block_count(m.length_bytes))
    return make_error(errc::corrupt, "chunk header sizes inconsistent");
  if (bytes.size() < chunk_header_fixed_bytes + 4 * blocks)
    return make_error(errc::out_of_range, "need " + std::to_string(4 * blocks) +
                                              " more header bytes for block checksums");
  auto crcs = bytes.substr(chunk_header_fixed_bytes, 4 * blocks);
  if (header_crc(bytes.substr(0, 44), crcs) != static_cast<uint32_t>(get_le(p + 44, 4)))
    return make_error(errc::corrupt, "chunk header CRC mismatch");
  for (uint64_t i = 0; i < blocks; ++i) m.block_crcs.push_back(get_le(crcs.data() + 4 * i, 4));
  return m;
}

}  // namespace dfs::chunkstore
