#include "core/master/leader_hint.hpp"

namespace dfs::master {

namespace {
constexpr std::string_view prefix = "not the active master (active: ";
}

std::string not_leader_message(const std::optional<endpoint>& active) {
  return std::string(prefix) + (active ? active->to_string() : "unknown") + ")";
}

bool is_not_leader(std::string_view text) {
  return text.find(prefix) != std::string_view::npos;
}

std::optional<endpoint> leader_hint(std::string_view text) {
  auto at = text.find(prefix);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = text.substr(at + prefix.size());
  auto end = rest.find(')');
  if (end == std::string_view::npos) return std::nullopt;
  return endpoint::parse(std::string(rest.substr(0, end)));
}

}  // namespace dfs::master
