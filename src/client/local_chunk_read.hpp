#pragma once
// A sealed chunk read from the file of a replica on this host (net/local_reads.hpp): no TCP,
// no TLS, one copy from the page cache. The bytes are checked against the master's whole-chunk
// checksum as they are read, so a stale, damaged or reused file is never delivered; the caller
// then reads over the network as usual (where a damaged replica is found and set aside).
#include <cstdint>
#include <string>
#include <vector>

#include "core/master/messages.hpp"

namespace dfs {

// Tries the replicas of `c` in `order` that are served locally; true with the chunk's
// c.size_bytes bytes in `buf` (its capacity reused), false when none was (what went wrong
// with a local one is added to `errors`). Never for a chunk that may change (no checksum).
// A file that fails the checksum ends the attempt, its replica moved to the front of `order`:
// the network read that follows checks that replica block by block, so that a damaged one is
// set aside and repaired as it would be without local reads.
bool read_chunk_locally(const ns_chunk& c, std::vector<replica_addr>& order, uint32_t timeout_ms,
                        std::string& buf, std::string& errors);

}  // namespace dfs
