#pragma once
// Little-endian integers in byte buffers, the byte order of every format this project writes
// (data frames, UDP packets, chunk headers). `n` is the width in bytes, at most 8.
#include <cstddef>
#include <cstdint>
#include <string>

namespace dfs {

inline void put_le(char* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline void append_le(std::string& out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

inline uint64_t get_le(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

}  // namespace dfs
