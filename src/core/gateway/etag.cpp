#include "core/gateway/etag.hpp"

#include <cstdio>

namespace dfs::gateway {

namespace {

void mix(uint64_t& h, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 0x100000001b3ull;
  }
}

}  // namespace

std::string make_etag(uint64_t version, uint64_t size_bytes, const std::vector<uint32_t>& crcs) {
  uint64_t h = 0xcbf29ce484222325ull;
  mix(h, size_bytes);
  for (auto c : crcs) mix(h, c);
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"v%llu-%016llx\"", static_cast<unsigned long long>(version),
                static_cast<unsigned long long>(h));
  return buf;
}

bool etag_matches(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos < header.size()) {
    auto comma = header.find(',', pos);
    auto item = header.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);  // weak comparison (RFC 9110 13.1.2)
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

}  // namespace dfs::gateway
