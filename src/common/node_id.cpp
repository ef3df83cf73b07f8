#include "common/node_id.hpp"

#include <charconv>

namespace dfs {

namespace {

template <class T>
std::optional<T> parse_uint(const std::string& s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<endpoint> endpoint::parse(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  auto port = parse_uint<uint16_t>(s.substr(colon + 1));
  if (!port || *port == 0) return std::nullopt;
  return endpoint{s.substr(0, colon), *port};
}

std::optional<node_id> node_id::parse(const std::string& s) {
  auto hash = s.rfind('#');
  if (hash == std::string::npos) return std::nullopt;
  auto ep = endpoint::parse(s.substr(0, hash));
  auto inc = parse_uint<uint64_t>(s.substr(hash + 1));
  if (!ep || !inc) return std::nullopt;
  return node_id{ep->host, ep->port, *inc};
}

}  // namespace dfs
