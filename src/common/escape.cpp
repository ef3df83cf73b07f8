#include "common/escape.hpp"

#include <cstdio>

#include "common/utf8.hpp"

namespace dfs {

namespace {

// Valid code points that are not controls but change how the text around them is shown.
bool reorders_or_breaks_lines(char32_t cp) {
  return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool escaped_code_point(char32_t cp) {
  return is_control(cp) || reorders_or_breaks_lines(cp);
}

void append_hex(std::string& out, const char* format, unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), format, value);
  out += buf;
}

}  // namespace

std::string escape_unprintable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    auto c = decode_utf8(text, pos);
    if (c.bytes == 0) {  // not UTF-8: show the byte, then try again from the next one
      append_hex(out, "\\x%02x", static_cast<unsigned char>(text[pos]));
      ++pos;
      continue;
    }
    auto cp = c.code_point;
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x80 && is_control(cp)) {
      append_hex(out, "\\x%02x", static_cast<unsigned>(cp));
    } else if (escaped_code_point(cp)) {
      append_hex(out, "\\u%04x", static_cast<unsigned>(cp));
    } else {
      out.append(text.substr(pos, c.bytes));
    }
    pos += c.bytes;
  }
  return out;
}

bool needs_escaping(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    auto c = decode_utf8(text, pos);
    if (c.bytes == 0 || escaped_code_point(c.code_point)) return true;
    pos += c.bytes;
  }
  return false;
}

std::string escape_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    auto line = text.substr(start, end == std::string_view::npos ? end : end - start);
    out += needs_escaping(line) ? escape_unprintable(line) : std::string(line);
    if (end == std::string_view::npos) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace dfs
