#include "core/master/placement.hpp"

#include <algorithm>
#include <set>

namespace dfs::master {

namespace {

bool better(const placement_candidate& a, const placement_candidate& b) {
  if (a.free_bytes != b.free_bytes) return a.free_bytes > b.free_bytes;
  if (a.load != b.load) return a.load < b.load;
  return a.node < b.node;
}

}  // namespace

std::vector<node_id> place(uint32_t n, const std::vector<placement_candidate>& candidates,
                           const std::vector<node_id>& exclude) {
  std::vector<const placement_candidate*> pool;
  std::set<node_id> seen(exclude.begin(), exclude.end());
  for (const auto& c : candidates)
    if (c.healthy && seen.insert(c.node).second) pool.push_back(&c);  // distinct servers only
  std::sort(pool.begin(), pool.end(), [](auto* a, auto* b) { return better(*a, *b); });
  std::vector<node_id> out;
  std::set<std::string> zones_used;
  std::vector<bool> taken(pool.size(), false);
  // Two passes: first one server per unused zone, then the best of the rest.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < pool.size() && out.size() < n; ++i) {
      if (taken[i]) continue;
      if (pass == 0 && zones_used.count(pool[i]->zone) > 0) continue;
      taken[i] = true;
      zones_used.insert(pool[i]->zone);
      out.push_back(pool[i]->node);
    }
  }
  return out;
}

std::vector<std::vector<node_id>> place_chunks(uint32_t chunk_count, uint32_t replication,
                                               uint64_t chunk_size_bytes,
                                               std::vector<placement_candidate> candidates) {
  std::vector<std::vector<node_id>> out;
  out.reserve(chunk_count);
  for (uint32_t i = 0; i < chunk_count; ++i) {
    auto chosen = place(replication, candidates);
    for (auto& c : candidates) {
      if (std::find(chosen.begin(), chosen.end(), c.node) == chosen.end()) continue;
      c.free_bytes = c.free_bytes > chunk_size_bytes ? c.free_bytes - chunk_size_bytes : 0;
    }
    out.push_back(std::move(chosen));
  }
  return out;
}

}  // namespace dfs::master
