#include "core/gateway/redirect.hpp"

#include <map>
#include <set>

namespace dfs::gateway {

std::optional<std::string> redirect_location(
    std::string_view self_host, const std::vector<std::vector<std::string>>& chunk_hosts,
    const std::vector<gateway_addr>& gateways, std::string_view scheme, std::string_view target,
    uint64_t version) {
  // Chunks per host (a host counted once per chunk, however many replicas it holds).
  std::map<std::string, size_t> held;
  std::vector<std::string> order;  // first-seen order: ties go to the earlier host
  for (auto& hosts : chunk_hosts)
    for (auto& h : std::set<std::string>(hosts.begin(), hosts.end())) {
      if (!held.count(h)) order.push_back(h);
      ++held[h];
    }
  auto here = held.count(std::string(self_host)) ? held[std::string(self_host)] : 0;
  const gateway_addr* best = nullptr;
  size_t best_count = here;
  for (auto& h : order) {
    if (h == self_host || held[h] <= best_count) continue;
    for (auto& g : gateways)
      if (g.host == h) {
        best = &g;
        best_count = held[h];
        break;
      }
  }
  if (!best) return std::nullopt;
  // The target as received, with the version this gateway found pinned.
  std::string t(target);
  auto q = t.find('?');
  std::string path = t.substr(0, q), query = q == std::string::npos ? "" : t.substr(q + 1);
  std::string kept;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    auto amp = query.find('&', pos);
    auto part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty() && part.rfind("version=", 0) != 0 && part != "version")
      kept += (kept.empty() ? "" : "&") + part;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  kept += (kept.empty() ? "" : "&") + std::string("version=") + std::to_string(version);
  auto host = best->host.find(':') != std::string::npos ? "[" + best->host + "]" : best->host;
  return std::string(scheme) + "://" + host + ":" + std::to_string(best->http_port) + path + "?" +
         kept;
}

}  // namespace dfs::gateway
