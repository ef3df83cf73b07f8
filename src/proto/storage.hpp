#pragma once
// inspect() for the client <-> master storage messages of src/core/master/messages.hpp:
// namespace requests (ns_request with an ns_op, versions_request, layout_request) and the two
// steps of a put (put_request -> put_plan: handles + replica chains; put_commit -> ns_reply).
// Atoms: src/proto/atoms.hpp.
#include <caf/meta/type_name.hpp>

#include "core/master/messages.hpp"
#include "proto/atoms.hpp"
#include "proto/chunkserver.hpp"
#include "proto/common.hpp"

namespace dfs {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_request& x) {
  return f(caf::meta::type_name("dfs::ns_request"), x.op, x.path, x.to, x.client_id, x.request_no);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trash_request& x) {
  return f(caf::meta::type_name("dfs::trash_request"), x.op, x.path, x.new_path, x.client_id,
           x.request_no);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, versions_request& x) {
  return f(caf::meta::type_name("dfs::versions_request"), x.path, x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, layout_request& x) {
  return f(caf::meta::type_name("dfs::layout_request"), x.path, x.version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stale_read_request& x) {
  return f(caf::meta::type_name("dfs::stale_read_request"), x.op, x.path, x.version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_entry& x) {
  return f(caf::meta::type_name("dfs::ns_entry"), x.name, x.is_dir, x.size_bytes, x.mtime_ms,
           x.version_count, x.chunk_count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_version& x) {
  return f(caf::meta::type_name("dfs::ns_version"), x.number, x.mtime_ms, x.size_bytes,
           x.chunk_size_bytes, x.chunk_count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_chunk& x) {
  return f(caf::meta::type_name("dfs::ns_chunk"), x.handle, x.chunk_version, x.size_bytes, x.crc32c,
           x.replicas, x.token, x.may_change);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grow_request& x) {
  return f(caf::meta::type_name("dfs::grow_request"), x.path, x.version, x.size_bytes,
           x.first_index, x.chunks, x.client_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_reply& x) {
  return f(caf::meta::type_name("dfs::ns_reply"), x.status, x.error, x.entries, x.versions,
           x.chunks, x.inline_data, x.lease_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_request& x) {
  return f(caf::meta::type_name("dfs::put_request"), x.path, x.size_bytes, x.chunk_size_bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_plan& x) {
  return f(caf::meta::type_name("dfs::put_plan"), x.status, x.error, x.chunk_size_bytes,
           x.write_quorum, x.chunks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_commit& x) {
  return f(caf::meta::type_name("dfs::put_commit"), x.path, x.chunk_size_bytes, x.chunks,
           x.base_version, x.client_id, x.request_no, x.inline_data, x.materialize_version);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lock_request& x) {
  return f(caf::meta::type_name("dfs::lock_request"), x.op, x.path, x.mode, x.ttl_ms, x.wait_ms,
           x.client_id, x.owner);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lock_reply& x) {
  return f(caf::meta::type_name("dfs::lock_reply"), x.status, x.error, x.expires_in_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_request& x) {
  return f(caf::meta::type_name("dfs::lease_request"), x.path, x.chunk_index, x.handle);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_reply& x) {
  return f(caf::meta::type_name("dfs::lease_reply"), x.status, x.error, x.handle, x.chunk_version,
           x.primary, x.secondaries, x.expires_in_ms, x.granted, x.token);
}

}  // namespace dfs
