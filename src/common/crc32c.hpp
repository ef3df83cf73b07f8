#pragma once
// CRC32C (Castagnoli), hardware-accelerated through Intel ISA-L (Debian libisal-dev).
// Standard convention: crc32c("123456789") == 0xE3069283. Chain with crc32c(data, n, prev).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dfs {

uint32_t crc32c(const void* data, size_t size, uint32_t prev = 0);

inline uint32_t crc32c(std::string_view s, uint32_t prev = 0) {
  return crc32c(s.data(), s.size(), prev);
}

}  // namespace dfs
