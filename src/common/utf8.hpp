#pragma once
// UTF-8 well-formedness (Unicode 15, table 3-7): the one decoder behind name validation
// (core/master/path) and terminal escaping (common/escape). Pure, no allocation.
#include <cstddef>
#include <string_view>

namespace dfs {

// The code point and length of the well-formed UTF-8 sequence at s[pos], or bytes == 0 when
// the bytes there are not one: a stray continuation byte, an overlong form (C0 AF, E0 80 AF),
// a surrogate (ED A0 80), a value above U+10FFFF, or a sequence cut short by the end of `s`.
struct utf8_char {
  char32_t code_point = 0;
  size_t bytes = 0;
};
utf8_char decode_utf8(std::string_view s, size_t pos);

// Offset of the first byte that does not start a well-formed sequence; s.size() if none.
size_t first_invalid_utf8(std::string_view s);

// C0 controls (U+0000..U+001F), DEL and C1 controls (U+0080..U+009F): bytes a terminal may
// act on. U+009B is CSI on terminals that honour 8-bit controls, as dangerous as ESC [.
inline bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

}  // namespace dfs
