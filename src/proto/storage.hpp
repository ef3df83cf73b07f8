#pragma once
// Client <-> master storage messages: namespace requests (ls, stat, mkdir, rm, versions, layout),
// and the two steps of a put (plan: handles + replica chains; commit: the finalized chunks).
// Chunk bytes never travel here: they go over the data port (src/net/data_frame.hpp).
// Replies carry a status and one error line instead of a caf::error, so that a client prints
// the master's message as is.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "proto/atoms.hpp"
#include "proto/chunkserver.hpp"
#include "proto/common.hpp"

namespace dfs {

using storage_atom = caf::atom_constant<caf::atom("dfs_stor")>;
using put_atom = caf::atom_constant<caf::atom("dfs_put")>;
using commit_atom = caf::atom_constant<caf::atom("dfs_commit")>;
using flush_atom = caf::atom_constant<caf::atom("dfs_flush")>;

// Where a chunk replica lives: the chunkserver's id and its data port (host = id.host).
struct replica_addr {
  node_id id;
  uint16_t data_port = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_addr& x) {
  return f(caf::meta::type_name("dfs::replica_addr"), x.id, x.data_port);
}

// ops: "ls", "stat", "mkdir", "rm", "versions" (arg = N), "layout" (arg = version, 0 newest).
struct ns_request {
  std::string op;
  std::string path;
  uint64_t arg = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_request& x) {
  return f(caf::meta::type_name("dfs::ns_request"), x.op, x.path, x.arg);
}

struct ns_entry {
  std::string name;
  bool is_dir = false;
  uint64_t size_bytes = 0;
  uint64_t mtime_ms = 0;
  uint32_t version_count = 0;
  uint32_t chunk_count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_entry& x) {
  return f(caf::meta::type_name("dfs::ns_entry"), x.name, x.is_dir, x.size_bytes, x.mtime_ms,
           x.version_count, x.chunk_count);
}

struct ns_version {
  uint64_t number = 0;
  uint64_t mtime_ms = 0;
  uint64_t size_bytes = 0;
  uint64_t chunk_size_bytes = 0;
  uint32_t chunk_count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_version& x) {
  return f(caf::meta::type_name("dfs::ns_version"), x.number, x.mtime_ms, x.size_bytes,
           x.chunk_size_bytes, x.chunk_count);
}

struct ns_chunk {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
  uint32_t crc32c = 0;
  std::vector<replica_addr> replicas;  // layout: live replicas; plan: the chain; commit: stored
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_chunk& x) {
  return f(caf::meta::type_name("dfs::ns_chunk"), x.handle, x.chunk_version, x.size_bytes, x.crc32c,
           x.replicas);
}

struct ns_reply {
  int32_t status = 0;  // 0 ok; else `error` is one line
  std::string error;
  std::vector<ns_entry> entries;     // ls; stat (one)
  std::vector<ns_version> versions;  // stat/layout/commit (one), versions (oldest first)
  std::vector<ns_chunk> chunks;      // layout
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_reply& x) {
  return f(caf::meta::type_name("dfs::ns_reply"), x.status, x.error, x.entries, x.versions,
           x.chunks);
}

// Step 1 of a put: chunk_size_bytes 0 = the cluster default.
struct put_request {
  std::string path;
  uint64_t size_bytes = 0;
  uint64_t chunk_size_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_request& x) {
  return f(caf::meta::type_name("dfs::put_request"), x.path, x.size_bytes, x.chunk_size_bytes);
}

struct put_plan {
  int32_t status = 0;
  std::string error;
  uint64_t chunk_size_bytes = 0;
  uint32_t write_quorum = 0;
  std::vector<ns_chunk> chunks;  // handle, chunk version, size, replica chain
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_plan& x) {
  return f(caf::meta::type_name("dfs::put_plan"), x.status, x.error, x.chunk_size_bytes,
           x.write_quorum, x.chunks);
}

// Step 2: every chunk finalized on >= W replicas (`replicas` = where it is durable).
struct put_commit {
  std::string path;
  uint64_t chunk_size_bytes = 0;
  std::vector<ns_chunk> chunks;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_commit& x) {
  return f(caf::meta::type_name("dfs::put_commit"), x.path, x.chunk_size_bytes, x.chunks);
}

}  // namespace dfs
