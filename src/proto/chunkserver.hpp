#pragma once
// inspect() for the chunkserver <-> master control messages of src/core/master/messages.hpp
// (registration, heartbeats). Incompatible changes get a new type (heartbeat_v2), never an
// edit of an old one.
#include <caf/meta/type_name.hpp>

#include "core/master/messages.hpp"
#include "proto/common.hpp"

namespace dfs {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_addr& x) {
  return f(caf::meta::type_name("dfs::replica_addr"), x.id, x.data_port);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_report& x) {
  return f(caf::meta::type_name("dfs::chunk_report"), x.handle, x.chunk_version, x.size_bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunkserver_registration& x) {
  return f(caf::meta::type_name("dfs::chunkserver_registration"), x.id, x.data_port, x.zone,
           x.capacity_bytes, x.free_bytes, x.used_bytes, x.chunks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, registration_ack& x) {
  return f(caf::meta::type_name("dfs::registration_ack_v2"), x.master, x.heartbeat_interval_ms,
           x.delete_chunks, x.master_term);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_reads& x) {
  return f(caf::meta::type_name("dfs::chunk_reads"), x.handle, x.reads);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, copy_result& x) {
  return f(caf::meta::type_name("dfs::copy_result"), x.order_id, x.handle, x.ok, x.error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, copy_instruction& x) {
  return f(caf::meta::type_name("dfs::copy_instruction"), x.order_id, x.handle, x.chunk_version,
           x.size_bytes, x.crc32c, x.source, x.token);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, local_copy& x) {
  return f(caf::meta::type_name("dfs::local_copy"), x.from_handle, x.to_handle, x.chunk_version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_claim& x) {
  return f(caf::meta::type_name("dfs::lease_claim"), x.handle, x.chunk_version, x.extend);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_grant& x) {
  return f(caf::meta::type_name("dfs::lease_grant"), x.handle, x.chunk_version, x.holder_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_revocation& x) {
  return f(caf::meta::type_name("dfs::lease_revocation"), x.handle, x.chunk_version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_update& x) {
  return f(caf::meta::type_name("dfs::version_update"), x.handle, x.chunk_version);
}

// Heartbeats gained repair copies (v2: results up, orders down), then leases (v3: claims up,
// grants and version updates down), then the master's term in the reply (v4, fencing), then
// copy-on-write orders in the reply (v5), then lease revocations (v4 up: leases released, v6
// down: leases to give up): new wire names each time, so a node of the previous
// version fails the exchange with an unknown-type error instead of misreading.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunkserver_heartbeat& x) {
  return f(caf::meta::type_name("dfs::chunkserver_heartbeat_v4"), x.id, x.seq, x.capacity_bytes,
           x.free_bytes, x.used_bytes, x.added, x.removed, x.copies, x.reads, x.leases, x.released);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_reply& x) {
  return f(caf::meta::type_name("dfs::heartbeat_reply_v6"), x.registered, x.delete_chunks,
           x.copy_chunks, x.leases, x.versions, x.master_term, x.local_copies, x.revoke);
}

}  // namespace dfs
