#include "common/utf8.hpp"

namespace dfs {

namespace {

bool is_continuation(unsigned char b) {
  return (b & 0xc0) == 0x80;
}

}  // namespace

utf8_char decode_utf8(std::string_view s, size_t pos) {
  if (pos >= s.size()) return {};
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  unsigned char b0 = at(0);
  if (b0 < 0x80) return {b0, 1};
  // The lead byte fixes the length and the allowed range of the second byte: the narrow ranges
  // after E0, ED, F0 and F4 are what excludes overlongs, surrogates and values past U+10FFFF.
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  char32_t cp = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
    cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    cp = b0 & 0x0f;
    if (b0 == 0xe0) lo = 0xa0;
    if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f;
  } else {
    return {};  // 80..C1 (continuation or overlong lead) and F5..FF never start a sequence
  }
  if (s.size() - pos < len) return {};
  if (at(1) < lo || at(1) > hi) return {};
  for (size_t i = 1; i < len; ++i) {
    if (!is_continuation(at(i))) return {};
    cp = (cp << 6) | (at(i) & 0x3f);
  }
  return {cp, len};
}

size_t first_invalid_utf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    auto c = decode_utf8(s, pos);
    if (c.bytes == 0) return pos;
    pos += c.bytes;
  }
  return s.size();
}

}  // namespace dfs
