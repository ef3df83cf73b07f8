#include "core/master/path.hpp"

#include <cstdio>

#include "common/escape.hpp"
#include "common/utf8.hpp"

namespace dfs::master {

namespace {

error path_error(std::string_view path, const std::string& why) {
  return make_error(errc::invalid_path, "invalid path " + quote_path(path) + ": " + why);
}

}  // namespace

std::string parsed_path::text() const {
  if (components.empty()) return "/";
  std::string out;
  for (const auto& c : components) {
    out += '/';
    out += c;
  }
  return out;
}

parsed_path parsed_path::parent() const {
  parsed_path p;
  p.components.assign(components.begin(), components.end() - 1);
  return p;
}

std::string quote_path(std::string_view path) {
  constexpr size_t max_shown_bytes = 200;
  std::string out = "\"";
  for (char c : escape_unprintable(path.substr(0, max_shown_bytes))) {
    if (c == '"')
      out += "\\x22";
    else
      out += c;
  }
  if (path.size() > max_shown_bytes) out += "...";
  out += '"';
  return out;
}

std::string name_violation(std::string_view component) {
  char buf[96];
  for (size_t pos = 0; pos < component.size();) {
    auto c = decode_utf8(component, pos);
    if (c.bytes == 0) {
      std::snprintf(buf, sizeof(buf), "not valid UTF-8 (byte 0x%02x at offset %zu of a name)",
                    static_cast<unsigned char>(component[pos]), pos);
      return buf;
    }
    if (is_control(c.code_point)) {
      std::snprintf(buf, sizeof(buf), "control character U+%04X in a name",
                    static_cast<unsigned>(c.code_point));
      return buf;
    }
    pos += c.bytes;
  }
  return {};
}

result<parsed_path> parse_path(std::string_view path, path_rules rules) {
  if (path.empty()) return path_error(path, "empty");
  if (path.size() > max_path_bytes)
    return path_error(path, "longer than " + std::to_string(max_path_bytes) + " bytes");
  if (path.front() != '/') return path_error(path, "not absolute (must start with '/')");
  if (path.find('\0') != std::string_view::npos) return path_error(path, "contains a NUL byte");
  parsed_path out;
  if (path == "/") return out;
  size_t pos = 1;
  while (true) {
    auto end = path.find('/', pos);
    auto comp = path.substr(pos, end == std::string_view::npos ? path.size() - pos : end - pos);
    if (comp.empty()) return path_error(path, "empty component ('//' or trailing '/')");
    if (comp == "." || comp == "..") return path_error(path, "'.' and '..' are not allowed");
    if (comp.size() > max_component_bytes)
      return path_error(path,
                        "component longer than " + std::to_string(max_component_bytes) + " bytes");
    if (rules == path_rules::clean)
      if (auto why = name_violation(comp); !why.empty()) return path_error(path, why);
    out.components.emplace_back(comp);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

}  // namespace dfs::master
