#include "common/crc32c.hpp"

#include <gtest/gtest.h>

#include <string>

TEST(Crc32c, KnownVector) {
  EXPECT_EQ(dfs::crc32c(std::string_view("123456789")), 0xE3069283u);
}

TEST(Crc32c, EmptyIsZero) {
  EXPECT_EQ(dfs::crc32c(std::string_view("")), 0u);
}

TEST(Crc32c, ChainingEqualsWhole) {
  std::string s(100000, 'x');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 31);
  auto whole = dfs::crc32c(s);
  auto part = dfs::crc32c(std::string_view(s).substr(0, 12345));
  EXPECT_EQ(dfs::crc32c(std::string_view(s).substr(12345), part), whole);
}
