// The one little-endian helper every format uses (data frames, UDP packets, chunk headers).
#include "common/little_endian.hpp"

#include <gtest/gtest.h>

namespace dfs {
namespace {

TEST(LittleEndian, LowByteFirstAndBack) {
  char b[8];
  put_le(b, 0x0102030405060708ull, 8);
  EXPECT_EQ(std::string(b, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  EXPECT_EQ(get_le(b, 8), 0x0102030405060708ull);
  EXPECT_EQ(get_le(b, 2), 0x0708u);
  std::string s;
  append_le(s, 0xfffe, 2);
  append_le(s, 0x80, 1);
  EXPECT_EQ(s, std::string("\xfe\xff\x80", 3));
  EXPECT_EQ(get_le(s.data(), 2), 0xfffeu);  // high bytes are not sign-extended
  EXPECT_EQ(get_le(s.data() + 2, 1), 0x80u);
}

TEST(LittleEndian, WritesOnlyItsWidth) {
  std::string s(6, 'x');
  put_le(&s[1], 0xffffffffffffffffull, 4);
  EXPECT_EQ(s, std::string("x\xff\xff\xff\xffx", 6));
}

}  // namespace
}  // namespace dfs
