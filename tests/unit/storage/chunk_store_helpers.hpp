#pragma once
// Shared by the chunk store and chunk file tests: deterministic chunk contents, a store opened
// (or chunk files) on a directory, and a chunk committed the way a client push commits it.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/chunk_store.hpp"

namespace dfs::test {

inline std::string pattern(size_t n, int seed = 1) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed) >> 7);
  return s;
}

// Chunk files alone (no store), opened on `dir`.
inline chunk_files opened_files(const std::string& dir,
                                std::vector<std::string>* warnings = nullptr) {
  chunk_files f{dir};
  std::vector<std::string> w;
  auto st = f.open(w);
  EXPECT_TRUE(st.ok()) << st.message;
  if (warnings != nullptr) *warnings = w;
  return f;
}

inline std::unique_ptr<chunk_store> opened(const std::string& dir,
                                           std::vector<std::string>* warnings = nullptr) {
  auto s = std::make_unique<chunk_store>(dir, chunkstore::pending_limits{});
  std::vector<std::string> w;
  auto st = s->open(w);
  EXPECT_TRUE(st.ok()) << st.message;
  if (warnings != nullptr) *warnings = w;
  return s;
}

inline void commit(chunk_store& s, chunkstore::chunk_handle h, uint64_t version,
                   const std::string& data) {
  static uint64_t next_id = 1;
  chunkstore::data_id id{next_id++};
  ASSERT_TRUE(s.begin(id, h, version, data.size()).ok());
  ASSERT_TRUE(s.append(id, data).ok());
  auto m = s.finalize(id);
  ASSERT_TRUE(m.ok()) << m.err().message;
}

}  // namespace dfs::test
