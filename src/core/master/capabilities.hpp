#pragma once
// The master's side of capability tokens (core/security/capability.hpp): every chunk of a put
// plan gets a write token naming its chain, every chunk of a layout a read token. The master
// core stays token-free; its actor signs the replies on the way out, with the wall clock.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/master/messages.hpp"

namespace dfs::master {

// "host:data_port" of a replica, as chunkservers name themselves on the data port.
std::string data_endpoint(const replica_addr& r);

// Sets the token of every chunk; `expiry_ms` is unix milliseconds.
void grant_writes(put_plan& plan, std::string_view key, uint64_t expiry_ms);
void grant_reads(ns_reply& layout, std::string_view key, uint64_t expiry_ms);
// A lease (issue 13): a write token for the lease's version naming the primary and every
// secondary; the client's pushes of mutation data, its writes and appends, and every message
// between those replicas carry it.
void grant_mutations(lease_reply& lease, std::string_view key, uint64_t expiry_ms);
// A repair copy's target reads the chunk from its source with a read token.
void grant_copies(heartbeat_reply& reply, std::string_view key, uint64_t expiry_ms);

}  // namespace dfs::master
