#include "core/gateway/json.hpp"

#include <cstdio>

#include "common/utf8.hpp"

namespace dfs::gateway {

namespace {

void append_u16(std::string& out, unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", v);
  out += buf;
}

std::string field(std::string_view name, uint64_t v) {
  return json_string(name) + ":" + std::to_string(v);
}

}  // namespace

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    if (ch.bytes == 0) {  // not UTF-8: one replacement character per bad byte
      out += "\\ufffd";
      ++i;
      continue;
    }
    char32_t cp = ch.code_point;
    if (cp == '"') {
      out += "\\\"";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029) {
      append_u16(out, static_cast<unsigned>(cp));  // 2028/9: safe inside <script> too
    } else {
      out.append(s.substr(i, ch.bytes));
    }
    i += ch.bytes;
  }
  return out + "\"";
}

std::string render_error(std::string_view message) {
  return "{\"error\":" + json_string(message) + "}";
}

std::string render_listing(std::string_view path, const std::vector<ns_entry>& entries) {
  std::string out = "{\"path\":" + json_string(path) + ",\"entries\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& e = entries[i];
    if (i) out += ",";
    out += "{\"name\":" + json_string(e.name) + ",\"type\":" + (e.is_dir ? "\"dir\"" : "\"file\"");
    out += "," + field("size", e.size_bytes) + "," + field("versions", e.version_count) + "," +
           field("mtime_ms", e.mtime_ms) + "}";
  }
  return out + "]}";
}

std::string render_versions(std::string_view path, const std::vector<ns_version>& versions) {
  std::string out = "{\"path\":" + json_string(path) + ",\"versions\":[";
  for (size_t i = 0; i < versions.size(); ++i) {
    auto& v = versions[i];
    if (i) out += ",";
    out += "{" + field("version", v.number) + "," + field("size", v.size_bytes) + "," +
           field("mtime_ms", v.mtime_ms) + "," + field("chunk_size", v.chunk_size_bytes) + "," +
           field("chunks", v.chunk_count) + "}";
  }
  return out + "]}";
}

std::string render_put(std::string_view path, const ns_version& v) {
  return "{\"path\":" + json_string(path) + "," + field("version", v.number) + "," +
         field("size", v.size_bytes) + "}";
}

}  // namespace dfs::gateway
