#pragma once
// Size limits shared by several layers, one named constant each, unit last in the name
// (style.md #11). A limit that belongs to one protocol lives with that protocol instead
// (e.g. net::max_frame_payload_bytes in net/data_frame.hpp).
#include <cstdint>

namespace dfs::limits {

// Chunk sizes a cluster or a single put may choose (master.chunk_size, put --chunk-size).
inline constexpr uint64_t min_chunk_size_bytes = 1024;
inline constexpr uint64_t max_chunk_size_bytes = 64ull << 20;

}  // namespace dfs::limits
