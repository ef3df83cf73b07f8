#include "core/master/messages.hpp"

#include <tuple>

namespace dfs {

const char* to_string(ns_op op) {
  switch (op) {
    case ns_op::mkdir:
      return "mkdir";
    case ns_op::remove:
      return "rm";
    case ns_op::list:
      return "ls";
    case ns_op::stat:
      return "stat";
    case ns_op::rename:
      return "mv";
    case ns_op::snapshot:
      return "snapshot";
    case ns_op::stat_dir:
      return "stat_dir";
    case ns_op::copy:
      return "cp";
  }
  return "unknown";
}

const char* to_string(stale_op op) {
  switch (op) {
    case stale_op::list:
      return "stale_ls";
    case stale_op::stat:
      return "stale_stat";
    case stale_op::layout:
      return "stale_layout";
  }
  return "unknown";
}

const char* to_string(lock_op op) {
  switch (op) {
    case lock_op::acquire:
      return "lock";
    case lock_op::renew:
      return "lock_renew";
    case lock_op::release:
      return "unlock";
  }
  return "unknown";
}

const char* to_string(lock_mode mode) {
  switch (mode) {
    case lock_mode::shared:
      return "shared";
    case lock_mode::exclusive:
      return "exclusive";
  }
  return "unknown";
}

// Each comparison names every field: a field added to a struct without being added here is
// caught by the round-trip tests (they set every field to a non-default value).
bool operator==(const replica_addr& a, const replica_addr& b) {
  return std::tie(a.id, a.data_port) == std::tie(b.id, b.data_port);
}
bool operator==(const ns_request& a, const ns_request& b) {
  return std::tie(a.op, a.path, a.to, a.client_id, a.request_no) ==
         std::tie(b.op, b.path, b.to, b.client_id, b.request_no);
}
bool operator==(const versions_request& a, const versions_request& b) {
  return std::tie(a.path, a.count) == std::tie(b.path, b.count);
}
bool operator==(const layout_request& a, const layout_request& b) {
  return std::tie(a.path, a.version) == std::tie(b.path, b.version);
}
bool operator==(const stale_read_request& a, const stale_read_request& b) {
  return std::tie(a.op, a.path, a.version) == std::tie(b.op, b.path, b.version);
}
bool operator==(const lock_request& a, const lock_request& b) {
  return std::tie(a.op, a.path, a.mode, a.ttl_ms, a.wait_ms, a.client_id, a.owner) ==
         std::tie(b.op, b.path, b.mode, b.ttl_ms, b.wait_ms, b.client_id, b.owner);
}
bool operator==(const lock_reply& a, const lock_reply& b) {
  return std::tie(a.status, a.error, a.expires_in_ms) ==
         std::tie(b.status, b.error, b.expires_in_ms);
}
bool operator==(const ns_entry& a, const ns_entry& b) {
  return std::tie(a.name, a.is_dir, a.size_bytes, a.mtime_ms, a.version_count, a.chunk_count) ==
         std::tie(b.name, b.is_dir, b.size_bytes, b.mtime_ms, b.version_count, b.chunk_count);
}
bool operator==(const ns_version& a, const ns_version& b) {
  return std::tie(a.number, a.mtime_ms, a.size_bytes, a.chunk_size_bytes, a.chunk_count) ==
         std::tie(b.number, b.mtime_ms, b.size_bytes, b.chunk_size_bytes, b.chunk_count);
}
bool operator==(const ns_chunk& a, const ns_chunk& b) {
  return std::tie(a.handle, a.chunk_version, a.size_bytes, a.crc32c, a.replicas, a.token,
                  a.may_change) == std::tie(b.handle, b.chunk_version, b.size_bytes, b.crc32c,
                                            b.replicas, b.token, b.may_change);
}
bool operator==(const ns_reply& a, const ns_reply& b) {
  return std::tie(a.status, a.error, a.entries, a.versions, a.chunks, a.inline_data) ==
         std::tie(b.status, b.error, b.entries, b.versions, b.chunks, b.inline_data);
}
bool operator==(const put_request& a, const put_request& b) {
  return std::tie(a.path, a.size_bytes, a.chunk_size_bytes) ==
         std::tie(b.path, b.size_bytes, b.chunk_size_bytes);
}
bool operator==(const trash_request& a, const trash_request& b) {
  return std::tie(a.op, a.path, a.new_path, a.client_id, a.request_no) ==
         std::tie(b.op, b.path, b.new_path, b.client_id, b.request_no);
}
bool operator==(const put_plan& a, const put_plan& b) {
  return std::tie(a.status, a.error, a.chunk_size_bytes, a.write_quorum, a.chunks) ==
         std::tie(b.status, b.error, b.chunk_size_bytes, b.write_quorum, b.chunks);
}
bool operator==(const put_commit& a, const put_commit& b) {
  if (a.base_version != b.base_version || a.client_id != b.client_id ||
      a.request_no != b.request_no || a.inline_data != b.inline_data ||
      a.materialize_version != b.materialize_version)
    return false;
  return std::tie(a.path, a.chunk_size_bytes, a.chunks) ==
         std::tie(b.path, b.chunk_size_bytes, b.chunks);
}
bool operator==(const chunk_report& a, const chunk_report& b) {
  return std::tie(a.handle, a.chunk_version, a.size_bytes) ==
         std::tie(b.handle, b.chunk_version, b.size_bytes);
}
bool operator==(const chunkserver_registration& a, const chunkserver_registration& b) {
  return std::tie(a.id, a.data_port, a.zone, a.capacity_bytes, a.free_bytes, a.used_bytes,
                  a.chunks) == std::tie(b.id, b.data_port, b.zone, b.capacity_bytes, b.free_bytes,
                                        b.used_bytes, b.chunks);
}
bool operator==(const registration_ack& a, const registration_ack& b) {
  return std::tie(a.master, a.heartbeat_interval_ms, a.delete_chunks, a.master_term) ==
         std::tie(b.master, b.heartbeat_interval_ms, b.delete_chunks, b.master_term);
}
bool operator==(const chunk_reads& a, const chunk_reads& b) {
  return a.handle == b.handle && a.reads == b.reads;
}
bool operator==(const copy_result& a, const copy_result& b) {
  return std::tie(a.order_id, a.handle, a.ok, a.error) ==
         std::tie(b.order_id, b.handle, b.ok, b.error);
}
bool operator==(const copy_instruction& a, const copy_instruction& b) {
  return std::tie(a.order_id, a.handle, a.chunk_version, a.size_bytes, a.crc32c, a.source,
                  a.token) ==
         std::tie(b.order_id, b.handle, b.chunk_version, b.size_bytes, b.crc32c, b.source, b.token);
}
bool operator==(const chunkserver_heartbeat& a, const chunkserver_heartbeat& b) {
  if (a.leases != b.leases) return false;
  return std::tie(a.id, a.seq, a.capacity_bytes, a.free_bytes, a.used_bytes, a.added, a.removed,
                  a.copies, a.reads) == std::tie(b.id, b.seq, b.capacity_bytes, b.free_bytes,
                                                 b.used_bytes, b.added, b.removed, b.copies,
                                                 b.reads);
}
bool operator==(const local_copy& a, const local_copy& b) {
  return std::tie(a.from_handle, a.to_handle, a.chunk_version) ==
         std::tie(b.from_handle, b.to_handle, b.chunk_version);
}
bool operator==(const heartbeat_reply& a, const heartbeat_reply& b) {
  return std::tie(a.registered, a.delete_chunks, a.copy_chunks, a.leases, a.versions, a.master_term,
                  a.local_copies) == std::tie(b.registered, b.delete_chunks, b.copy_chunks,
                                              b.leases, b.versions, b.master_term, b.local_copies);
}
bool operator==(const lease_claim& a, const lease_claim& b) {
  return std::tie(a.handle, a.chunk_version, a.extend) ==
         std::tie(b.handle, b.chunk_version, b.extend);
}
bool operator==(const lease_grant& a, const lease_grant& b) {
  return std::tie(a.handle, a.chunk_version, a.holder_ms) ==
         std::tie(b.handle, b.chunk_version, b.holder_ms);
}
bool operator==(const version_update& a, const version_update& b) {
  return a.handle == b.handle && a.chunk_version == b.chunk_version;
}
bool operator==(const lease_request& a, const lease_request& b) {
  return std::tie(a.path, a.chunk_index, a.handle) == std::tie(b.path, b.chunk_index, b.handle);
}
bool operator==(const grow_request& a, const grow_request& b) {
  return std::tie(a.path, a.version, a.size_bytes, a.first_index, a.chunks, a.client_id) ==
         std::tie(b.path, b.version, b.size_bytes, b.first_index, b.chunks, b.client_id);
}
bool operator==(const lease_reply& a, const lease_reply& b) {
  if (a.granted != b.granted || a.expires_in_ms != b.expires_in_ms || a.token != b.token)
    return false;
  return std::tie(a.status, a.error, a.handle, a.chunk_version, a.primary, a.secondaries) ==
         std::tie(b.status, b.error, b.handle, b.chunk_version, b.primary, b.secondaries);
}

}  // namespace dfs
