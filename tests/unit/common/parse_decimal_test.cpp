// parse_decimal: whole strings of digits only, in range.
#include <gtest/gtest.h>

#include <cstdint>

#include "common/parse_decimal.hpp"

namespace dfs {
namespace {

TEST(ParseDecimal, WholeNumbersInRange) {
  EXPECT_EQ(parse_decimal<uint64_t>("0"), 0u);
  EXPECT_EQ(parse_decimal<uint64_t>("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_decimal<int64_t>("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(parse_decimal<int64_t>("42"), 42);
  EXPECT_EQ(parse_decimal<uint16_t>("65535"), 65535u);
}

TEST(ParseDecimal, RefusesWhatStoullWouldBend) {
  for (const char* bad : {"", " 12", "12 ", "12abc", "+1", "0x10", "1e3", "1.5", "--1"})
    EXPECT_FALSE(parse_decimal<uint64_t>(bad).has_value()) << bad;
  EXPECT_FALSE(parse_decimal<uint64_t>("-1").has_value());  // stoull: 2^64 - 1
  EXPECT_FALSE(parse_decimal<uint64_t>("18446744073709551616").has_value());
  EXPECT_FALSE(parse_decimal<int64_t>("99999999999999999999").has_value());
  EXPECT_FALSE(parse_decimal<uint16_t>("65536").has_value());
}

}  // namespace
}  // namespace dfs
