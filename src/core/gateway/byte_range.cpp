#include "core/gateway/byte_range.hpp"

#include <charconv>

namespace dfs::gateway {

namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

byte_range parse_range(std::string_view header, uint64_t size) {
  byte_range whole;
  header = trim(header);
  constexpr std::string_view unit = "bytes=";
  if (header.substr(0, unit.size()) != unit) return whole;
  auto spec = trim(header.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: ignored
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  auto a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  byte_range r;
  r.outcome = range_outcome::partial;
  if (a.empty()) {  // suffix: the last N bytes
    uint64_t n = 0;
    if (!parse_u64(b, n)) return whole;
    if (n == 0 || size == 0) return {range_outcome::unsatisfiable, 0, 0};
    if (n > size) n = size;
    r.first = size - n;
    r.length = n;
    return r;
  }
  uint64_t first = 0, last = 0;
  if (!parse_u64(a, first)) return whole;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else {
    if (!parse_u64(b, last) || last < first) return whole;
    if (size > 0 && last >= size) last = size - 1;
  }
  if (first >= size) return {range_outcome::unsatisfiable, 0, 0};
  r.first = first;
  r.length = last - first + 1;
  return r;
}

}  // namespace dfs::gateway
