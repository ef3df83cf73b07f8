#pragma once
// Serialisation of the master's persisted metadata (src/core/master/records.hpp): CAF 0.17
// inspect() overloads, in the structs' namespace so that ADL finds them, and encode/decode
// helpers built on caf::binary_serializer. The bytes go into oplog frames (src/core/oplog).
//
// On-disk compatibility: a record is one kind byte (master::record_kind) followed by the
// record's fields in the order listed here. Never reorder or retype fields: add a new record
// kind instead.
#include <caf/meta/type_name.hpp>

#include <string>
#include <string_view>

#include "core/master/error.hpp"
#include "core/master/records.hpp"
#include "proto/common.hpp"

namespace dfs::master {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_handle& x) {
  return f(caf::meta::type_name("dfs::master::chunk_handle"), x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_meta& x) {
  return f(caf::meta::type_name("dfs::master::chunk_meta"), x.handle, x.chunk_version, x.size_bytes,
           x.crc32c);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_info& x) {
  return f(caf::meta::type_name("dfs::master::version_info"), x.number, x.mtime_ms, x.size_bytes,
           x.chunk_size_bytes, x.chunks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mkdir_record& x) {
  return f(caf::meta::type_name("dfs::master::mkdir_record"), x.path);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, remove_record& x) {
  return f(caf::meta::type_name("dfs::master::remove_record"), x.path);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, allocate_record& x) {
  return f(caf::meta::type_name("dfs::master::allocate_record"), x.first, x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_record& x) {
  return f(caf::meta::type_name("dfs::master::commit_record"), x.path, x.version_number, x.mtime_ms,
           x.chunk_size_bytes, x.max_versions, x.chunks);
}

// Kind commit_inline: a commit record's fields, then its inline bytes.
struct commit_inline_body {
  commit_record r;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_inline_body& x) {
  return f(caf::meta::type_name("dfs::master::commit_inline"), x.r.path, x.r.version_number,
           x.r.mtime_ms, x.r.chunk_size_bytes, x.r.max_versions, x.r.chunks, x.r.inline_data);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, materialize_record& x) {
  return f(caf::meta::type_name("dfs::master::materialize_record"), x.path, x.version_number,
           x.chunk_size_bytes, x.chunks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, abandon_record& x) {
  return f(caf::meta::type_name("dfs::master::abandon_record"), x.handles);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trash_record& x) {
  return f(caf::meta::type_name("dfs::master::trash_record"), x.path, x.trash_id, x.deleted_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restore_record& x) {
  return f(caf::meta::type_name("dfs::master::restore_record"), x.trash_id, x.path);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, purge_record& x) {
  return f(caf::meta::type_name("dfs::master::purge_record"), x.trash_ids);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_record& x) {
  return f(caf::meta::type_name("dfs::master::drain_record"), x.address, x.on);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bump_version_record& x) {
  return f(caf::meta::type_name("dfs::master::bump_version_record"), x.handle, x.chunk_version,
           x.primary);
}

// A bump record of kind bump_version (before grants logged their primary): no `primary`.
struct bump_v1_body {
  bump_version_record r;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bump_v1_body& x) {
  return f(caf::meta::type_name("dfs::master::bump_version_record"), x.r.handle, x.r.chunk_version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grow_record& x) {
  return f(caf::meta::type_name("dfs::master::grow_record"), x.path, x.version_number, x.size_bytes,
           x.chunks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cow_record& x) {
  return f(caf::meta::type_name("dfs::master::cow_record"), x.path, x.version_number, x.chunk_index,
           x.old_handle, x.new_handle);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rename_record& x) {
  return f(caf::meta::type_name("dfs::master::rename_record"), x.from, x.to);
}

// request_record: not inspected as a whole (its `op` is a std::variant, which CAF 0.17 cannot
// serialise); master_log.cpp writes id, outcome, then the inner record as kind byte + fields.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_id& x) {
  return f(caf::meta::type_name("dfs::master::request_id"), x.client, x.seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_outcome& x) {
  return f(caf::meta::type_name("dfs::master::request_outcome"), x.version, x.mtime_ms,
           x.size_bytes, x.chunk_size_bytes, x.chunk_count, x.path);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, done_request& x) {
  return f(caf::meta::type_name("dfs::master::done_request"), x.seq, x.outcome);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, client_requests& x) {
  return f(caf::meta::type_name("dfs::master::client_requests"), x.client, x.forgotten_through,
           x.done);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trash_snapshot& x) {
  return f(caf::meta::type_name("dfs::master::trash_snapshot"), x.id, x.path, x.deleted_ms,
           x.next_version, x.versions);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_snapshot& x) {
  return f(caf::meta::type_name("dfs::master::file_snapshot"), x.path, x.next_version, x.versions);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inline_snapshot& x) {
  return f(caf::meta::type_name("dfs::master::inline_snapshot"), x.trash_id, x.path, x.version,
           x.data);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_holder& x) {
  return f(caf::meta::type_name("dfs::master::lease_holder"), x.handle, x.primary);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, master_snapshot& x) {
  return f(caf::meta::type_name("dfs::master::master_snapshot"), x.next_handle, x.dirs, x.files,
           x.chunks, x.uncommitted, x.trash, x.next_trash_id, x.draining, x.requests, x.inlined,
           x.lease_holders);
}

// Snapshot format 5 (before grants logged their primary): format 6 without `lease_holders`.
struct snapshot_v5 {
  master_snapshot s;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot_v5& x) {
  return f(caf::meta::type_name("dfs::master::master_snapshot"), x.s.next_handle, x.s.dirs,
           x.s.files, x.s.chunks, x.s.uncommitted, x.s.trash, x.s.next_trash_id, x.s.draining,
           x.s.requests, x.s.inlined);
}

// Snapshot format 4 (before inline files): format 5 without `inlined`.
struct snapshot_v4 {
  master_snapshot s;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot_v4& x) {
  return f(caf::meta::type_name("dfs::master::master_snapshot"), x.s.next_handle, x.s.dirs,
           x.s.files, x.s.chunks, x.s.uncommitted, x.s.trash, x.s.next_trash_id, x.s.draining,
           x.s.requests);
}

// Snapshot format 3 (before the request table): format 4 without `requests`.
struct snapshot_v3 {
  master_snapshot s;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot_v3& x) {
  return f(caf::meta::type_name("dfs::master::master_snapshot"), x.s.next_handle, x.s.dirs,
           x.s.files, x.s.chunks, x.s.uncommitted, x.s.trash, x.s.next_trash_id, x.s.draining);
}

// Snapshot format 2 (before drains were logged): format 3 without `draining`.
struct snapshot_v2 {
  master_snapshot s;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot_v2& x) {
  return f(caf::meta::type_name("dfs::master::master_snapshot"), x.s.next_handle, x.s.dirs,
           x.s.files, x.s.chunks, x.s.uncommitted, x.s.trash, x.s.next_trash_id);
}

// Snapshot format 1 (before the trash): the same fields without the last two.
struct snapshot_v1 {
  master_snapshot s;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot_v1& x) {
  return f(caf::meta::type_name("dfs::master::master_snapshot"), x.s.next_handle, x.s.dirs,
           x.s.files, x.s.chunks, x.s.uncommitted);
}

}  // namespace dfs::master

namespace dfs::proto {

// Record bytes: kind byte + fields. Decoding fails (errc::corrupt_state) on an unknown kind,
// truncated input or trailing bytes.
std::string encode_record(const master::log_record& r);
master::result<master::log_record> decode_record(std::string_view bytes);

// Snapshot bytes: a format byte (5; 1 to 4 are still read) + fields.
std::string encode_snapshot(const master::master_snapshot& s);
master::result<master::master_snapshot> decode_snapshot(std::string_view bytes);

}  // namespace dfs::proto
