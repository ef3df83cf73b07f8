#pragma once
// A whole string as a decimal number: digits only (a leading '-' for signed types), no
// spaces, no '+', nothing after the digits, and no wrap-around: "-1" is no uint64_t and
// "99999999999999999999" no int64_t. std::stoull takes all of those (" 12abc" is 12, "-1" is
// 2^64 - 1); every command argument and query parameter goes through this instead.
#include <charconv>
#include <optional>
#include <string_view>
#include <type_traits>

namespace dfs {

template <class T>
std::optional<T> parse_decimal(std::string_view s) {
  static_assert(std::is_integral_v<T>, "parse_decimal parses integers");
  T out{};
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 10);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return out;
}

}  // namespace dfs
