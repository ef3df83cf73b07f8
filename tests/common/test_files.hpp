#pragma once
// Local files for cluster tests: deterministic random content, whole-file reads, a hash to
// compare large files without printing them, a corrupted byte.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace dfs::test {

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

inline void write_random(const std::string& path, size_t size, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  for (size_t i = size - size % 8; i < size; ++i) s[i] = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary).write(s.data(), static_cast<std::streamsize>(s.size()));
}

// Flips the last byte of a file (a chunk file: its last data byte) to fake disk corruption.
inline void flip_last_byte(const std::string& path) {
  std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(-1, std::ios::end);
  char b = 0;
  io.read(&b, 1);
  b = static_cast<char>(b ^ 0x5a);
  io.seekp(-1, std::ios::end);
  io.write(&b, 1);
}

}  // namespace dfs::test
