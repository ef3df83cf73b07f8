#pragma once
// Reads served by a standby master (issue 15 item 4; GFS's shadow masters): `ls`, `stat` and
// layout lookups with `--stale-ok`, answered from the standby's copy of the committed metadata
// (actors/master/committed_meta.hpp) so that reads go on while the active master is busy, being
// replaced, or gone.
//
// How stale: a standby learns the commit index from the active master's replication messages,
// so its answer lacks at most what was committed since it last heard from an active master,
// plus one replication round. It answers only while that was within `max_ms`
// (master.stale_read_max_ms); after that it refuses, and the client asks another master.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/master/master_state.hpp"
#include "core/master/messages.hpp"
#include "core/time.hpp"

namespace dfs::master {

// The answer from `meta`. A standby knows no chunk locations (chunkservers report to the active
// master only), so a layout names, per chunk, the replicas `meta` knows (none on a standby)
// and then every chunkserver in `chunkservers` (those membership lists alive), with the data
// port every node derives from its control port (common/ports.hpp). The client tries them in
// turn: one without the chunk answers an error, and each read is checked against the chunk's
// committed checksum.
ns_reply stale_read(const master_state& meta, const stale_read_request& r,
                    const std::vector<node_id>& chunkservers);

// Why a standby may not answer a stale read now, or "" if it may. `heard`: when it last heard
// from an active master (none: never since it started).
std::string stale_refusal(std::optional<core::time_point> heard, core::time_point now,
                          uint64_t max_ms);

}  // namespace dfs::master
