#pragma once
// Replica placement: which chunkservers receive a new chunk. Pure and deterministic: the same
// candidates give the same answer, so placement decisions replay in simulation.
#include <cstdint>
#include <string>
#include <vector>

#include "common/node_id.hpp"

namespace dfs::master {

struct placement_candidate {
  node_id node;
  uint64_t free_bytes = 0;
  uint32_t load = 0;    // e.g. pending transfers; lower is better
  bool healthy = true;  // false for suspect/dead members: never chosen
  std::string zone;     // empty = no zone information
};

// Up to `n` distinct healthy servers, none from `exclude`. Order of preference: most free
// bytes, then least load, then smallest node id. Servers in a zone not used yet are preferred
// to the rest (so replicas spread over zones when zones are configured). Returns fewer than `n`
// when there are not enough healthy servers; the caller decides whether that is enough.
std::vector<node_id> place(uint32_t n, const std::vector<placement_candidate>& candidates,
                           const std::vector<node_id>& exclude = {});

// Placement for a whole put: one replica list per chunk. After each chunk the chosen servers'
// free bytes are reduced by `chunk_size_bytes`, so a large file spreads over the cluster instead
// of landing on the same three servers.
std::vector<std::vector<node_id>> place_chunks(uint32_t chunk_count, uint32_t replication,
                                               uint64_t chunk_size_bytes,
                                               std::vector<placement_candidate> candidates);

}  // namespace dfs::master
