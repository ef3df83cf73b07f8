// decode_utf8 against the well-formed byte sequences of Unicode table 3-7: every boundary of
// every range, and each way a sequence can be ill-formed (the cases name validation rejects).
#include "common/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

using dfs::decode_utf8;
using dfs::first_invalid_utf8;

namespace {

struct valid_case {
  std::string bytes;
  char32_t code_point;
};

}  // namespace

TEST(Utf8, DecodesEveryRangeBoundary) {
  const valid_case cases[] = {
      {std::string(1, '\0'), 0x0},
      {"A", 0x41},
      {"\x7f", 0x7f},
      {"\xc2\x80", 0x80},
      {"\xc3\xa9", 0xe9},  // é
      {"\xdf\xbf", 0x7ff},
      {"\xe0\xa0\x80", 0x800},
      {"\xe6\x97\xa5", 0x65e5},  // 日
      {"\xed\x9f\xbf", 0xd7ff},  // last before the surrogates
      {"\xee\x80\x80", 0xe000},  // first after them
      {"\xef\xbf\xbf", 0xffff},
      {"\xf0\x90\x80\x80", 0x10000},
      {"\xf0\x9f\x98\x80", 0x1f600},  // 😀
      {"\xf4\x8f\xbf\xbf", 0x10ffff},
  };
  for (const auto& c : cases) {
    auto d = decode_utf8(c.bytes, 0);
    EXPECT_EQ(d.bytes, c.bytes.size()) << std::hex << c.code_point;
    EXPECT_EQ(d.code_point, c.code_point);
    EXPECT_EQ(first_invalid_utf8(c.bytes), c.bytes.size());
  }
}

TEST(Utf8, RejectsIllFormedSequences) {
  const std::string cases[] = {
      "\x80",              // continuation byte without a lead
      "\xbf",              //
      "\xc0\xaf",          // overlong '/'
      "\xc1\xbf",          // overlong DEL
      "\xe0\x80\xaf",      // overlong '/' in three bytes
      "\xe0\x9f\xbf",      // overlong U+07FF
      "\xf0\x80\x80\xaf",  // overlong '/' in four bytes
      "\xf0\x8f\xbf\xbf",  // overlong U+FFFF
      "\xed\xa0\x80",      // U+D800, a surrogate
      "\xed\xbf\xbf",      // U+DFFF
      "\xf4\x90\x80\x80",  // U+110000, past the last code point
      "\xf5\x80\x80\x80",  // lead bytes F5..FF never occur
      "\xfe",              //
      "\xff",              //
      "\xc3",              // cut short
      "\xe6\x97",          //
      "\xf0\x9f\x98",      //
      "\xc3\x28",          // second byte not a continuation
      "\xe6\x97\x28",      //
  };
  for (const auto& c : cases) {
    EXPECT_EQ(decode_utf8(c, 0).bytes, 0u) << testing::PrintToString(c);
    EXPECT_EQ(first_invalid_utf8(c), 0u) << testing::PrintToString(c);
  }
}

TEST(Utf8, FirstInvalidNamesTheOffset) {
  EXPECT_EQ(first_invalid_utf8(""), 0u);
  EXPECT_EQ(first_invalid_utf8("caf\xc3\xa9"), 5u);  // all valid: the length
  EXPECT_EQ(first_invalid_utf8("caf\xc3"), 3u);
  EXPECT_EQ(first_invalid_utf8("ab\xff"
                               "cd"),
            2u);
}

TEST(Utf8, ControlCharacters) {
  for (char32_t cp : {0x00, 0x0a, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f})
    EXPECT_TRUE(dfs::is_control(cp)) << std::hex << cp;
  for (char32_t cp : {0x20, 0x41, 0x7e, 0xa0, 0xe9, 0x65e5})
    EXPECT_FALSE(dfs::is_control(cp)) << std::hex << cp;
}
