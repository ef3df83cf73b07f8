#include "core/master/path.hpp"

#include <cstdio>

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
  for (size_t i = 0; i < path.size() && i < max_shown_bytes; ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (path.size() > max_shown_bytes) out += "...";
  out += '"';
  return out;
}

result<parsed_path> parse_path(std::string_view path) {
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
    out.components.emplace_back(comp);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

}  // namespace dfs::master
