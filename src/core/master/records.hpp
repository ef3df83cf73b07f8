#pragma once
// Persisted master metadata: the operation-log records and the checkpoint snapshot.
//
// Every namespace mutation is one record. `master_state::validate_*` turns a request into a
// record (or an error) without changing anything; `master_state::apply` carries the record out.
// Live operation and log replay both go through `apply`, so they cannot diverge. Records carry
// everything `apply` needs (version numbers, times, the version cap in force), so that replay
// does not depend on the configuration or clock of the restarted master.
//
// To change a record incompatibly, add a new kind rather than altering an old one: logs written
// by an older master must still replay. Serialisation lives in src/proto/master_log.hpp.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/node_id.hpp"
#include "core/master/ids.hpp"

namespace dfs::master {

// The persisted facts about one chunk. Replica locations are not here: they are learned from
// chunkserver reports after a restart.
struct chunk_meta {
  chunk_handle handle;
  uint64_t chunk_version = 1;  // bumped by later mutations/leases; stale replicas have less
  uint64_t size_bytes = 0;
  uint32_t crc32c = 0;  // of the whole chunk's bytes

  friend bool operator==(const chunk_meta& a, const chunk_meta& b) {
    return a.handle == b.handle && a.chunk_version == b.chunk_version &&
           a.size_bytes == b.size_bytes && a.crc32c == b.crc32c;
  }
};

// One immutable version of a file: its chunks in file order, or (a small file) its bytes.
struct version_info {
  uint64_t number = 0;    // 1, 2, ... per file, never reused while the file exists
  uint64_t mtime_ms = 0;  // wall-clock commit time (Unix ms), supplied by the master actor
  uint64_t size_bytes = 0;
  uint64_t chunk_size_bytes = 0;
  std::vector<chunk_handle> chunks;
  // Non-empty: the version's bytes, kept in the namespace itself instead of in chunks (a file
  // of at most master.inline_max_bytes; `chunks` is then empty and size_bytes its length). It
  // is on disk wherever the namespace is (the op log at a majority of the masters) before a put
  // is answered, and costs one log write instead of three chunk replicas' fsyncs. Not part of
  // version_info's serialised fields (snapshot format 5 lists the inline bytes apart).
  std::string inline_data = {};

  bool is_inline() const { return !inline_data.empty(); }
};

// -- log records --------------------------------------------------------------------------------

struct mkdir_record {
  std::string path;
};

// Removes a file (all versions; chunks whose reference count drops to 0 are freed) or an empty
// directory.
struct remove_record {
  std::string path;
};

// Hands out handles [first, first + count). They stay "uncommitted" (in the grace table) until a
// commit uses them or an abandon record drops them.
struct allocate_record {
  chunk_handle first;
  uint32_t count = 0;
};

// Appends one whole version to `path` (creating the file if needed), then drops the oldest
// versions beyond `max_versions`. `chunks` lists new chunks (allocated, uncommitted handles)
// and existing ones shared with other versions (copy-on-write; reference count + 1).
struct commit_record {
  std::string path;
  uint64_t version_number = 0;
  uint64_t mtime_ms = 0;
  uint64_t chunk_size_bytes = 0;
  uint32_t max_versions = 0;
  std::vector<chunk_meta> chunks;
  // Non-empty (then `chunks` is empty): the version's bytes, stored inline (version_info).
  // Written as kind commit_inline, so that older logs' commit records read as before.
  std::string inline_data = {};
};

// Drops allocated handles whose grace expired without a commit: a later commit of them fails,
// and chunkservers holding them are told to delete them.
struct abandon_record {
  std::vector<chunk_handle> handles;
};

// rm of a file: moves it, every version, to the trash under `trash_id` (the next id in turn).
// Nothing is freed: the versions keep their chunks until the entry is purged.
struct trash_record {
  std::string path;
  uint64_t trash_id = 0;
  uint64_t deleted_ms = 0;  // wall clock (Unix ms): when the trash entry expires counts from it
};

// undelete: puts trash entry `trash_id` back as the file `path` (which must not exist).
struct restore_record {
  uint64_t trash_id = 0;
  std::string path;
};

// trash purge, or entries past master.trash_ttl_s: frees them (chunks whose count drops to 0).
struct purge_record {
  std::vector<uint64_t> trash_ids;
};

// Console drain / undrain of the chunkserver at control address `address` (HOST:PORT): while
// draining it takes no new chunks and repair copies its replicas elsewhere. Logged so that a
// master restart does not hand a server being decommissioned new chunks again.
struct drain_record {
  std::string address;
  bool on = false;
};

// mv: the file or directory `from` (with everything below it) is now `to` (which did not
// exist). Versions, chunks and trash entries are untouched.
struct rename_record {
  std::string from;
  std::string to;
};

// Who asked for a mutation: a client's random 64-bit id (per process) and its request number
// (1, 2, ... per client id). Either 0: untagged (an older client); such a request is not
// remembered and a retry of it may apply again.
struct request_id {
  uint64_t client = 0;
  uint64_t seq = 0;

  bool tagged() const { return client != 0 && seq != 0; }
  friend bool operator==(const request_id& a, const request_id& b) {
    return a.client == b.client && a.seq == b.seq;
  }
};

// What an applied client mutation answered, kept to answer a retry of it with the same result.
// Only what the reply names beyond "ok": a commit's version, where an mv put its source.
struct request_outcome {
  uint64_t version = 0;  // commit: the version it created (0: not a commit)
  uint64_t mtime_ms = 0;
  uint64_t size_bytes = 0;
  uint64_t chunk_size_bytes = 0;
  uint32_t chunk_count = 0;
  std::string path;  // mv: the new path

  friend bool operator==(const request_outcome& a, const request_outcome& b) {
    return a.version == b.version && a.mtime_ms == b.mtime_ms && a.size_bytes == b.size_bytes &&
           a.chunk_size_bytes == b.chunk_size_bytes && a.chunk_count == b.chunk_count &&
           a.path == b.path;
  }
};

// The records a client request can produce (allocations are not here: a retried put plan only
// allocates handles that expire unused).
using client_mutation = std::variant<mkdir_record, remove_record, commit_record, trash_record,
                                     restore_record, purge_record, rename_record>;

// A client's mutation together with who asked and what it answered, in one record: the
// mutation and its entry in the request table (request_table.hpp) reach the disk together, so
// a crash can never keep one without the other (a torn tail drops whole records).
struct request_record {
  request_id id;
  request_outcome outcome;
  client_mutation op;
};

// A lease grant (lease_table.hpp) bumped chunk `handle` to `chunk_version` (greater than the
// one before). Logged, and durable before the grant is handed out: after a master restart a
// replica still at the previous version is stale, and the bumped version is what the
// checkpoint's chunk_meta holds (its primary is in master_snapshot::lease_holders).
struct bump_version_record {
  chunk_handle handle;
  uint64_t chunk_version = 0;
  // The grant's primary: the only node that can hold a lease on the chunk until the next
  // grant (renewals are not logged), so a master that takes over may grant again to it at once
  // (master_takeover.cpp). Empty in records of kind bump_version, written before it was logged.
  node_id primary;
};

// A write or record append reached past the end of the newest version `version_number` of
// `path` (issue 13): its size grows to `size_bytes` (never shrinks) and `chunks` (allocated,
// pushed empty to their replicas) become its next chunks. Nothing else about the version
// changes: mutations change the newest version in place (snapshots keep older contents).
struct grow_record {
  std::string path;
  uint64_t version_number = 0;
  uint64_t size_bytes = 0;
  std::vector<chunk_meta> chunks;
};

// A chunk that took a lease since its commit may have been written at an offset or appended
// to: its committed crc32c no longer describes it, and readers rely on the chunkservers'
// block checksums alone (chunks start at version 1; only leases bump versions).
inline bool content_may_change(const chunk_meta& m) {
  return m.chunk_version > 1;
}

// Copy-on-write of one chunk before its first lease (master_cow.cpp): chunk `chunk_index` of
// version `version_number` of `path` was `old_handle`, shared with another version or a trash
// entry; the chunkservers copied it locally to `new_handle` (allocated, uncommitted), which now
// takes its place with the old chunk's metadata (version, size, CRC) and refcount 1; the old
// chunk loses that reference and stays with the versions that still list it. Mutations then
// lease the new handle, so they never change bytes another version reads.
struct cow_record {
  std::string path;
  uint64_t version_number = 0;
  uint64_t chunk_index = 0;
  chunk_handle old_handle;
  chunk_handle new_handle;
};

// Before the first write or append to a version stored inline: the client stored the same
// bytes as chunks (allocated, uncommitted, pushed like a put's), which now replace the inline
// bytes of version `version_number`, the newest of `path`. Number, mtime and size stay: the
// version is the same, only where its bytes live changed, so that the mutation can lease them.
struct materialize_record {
  std::string path;
  uint64_t version_number = 0;
  uint64_t chunk_size_bytes = 0;
  std::vector<chunk_meta> chunks;
};

using log_record =
    std::variant<mkdir_record, remove_record, allocate_record, commit_record, abandon_record,
                 trash_record, restore_record, purge_record, drain_record, rename_record,
                 request_record, bump_version_record, grow_record, cow_record, materialize_record>;

// Explicit, stable values: they are written to disk (src/proto/master_log.cpp).
enum class record_kind : uint8_t {
  mkdir = 1,
  remove = 2,
  allocate = 3,
  commit_version = 4,
  abandon = 5,
  trash = 6,
  restore = 7,
  purge = 8,
  drain = 9,
  rename = 10,
  request = 11,       // request_record: id, outcome, then the inner record (its kind byte + fields)
  bump_version = 12,  // bump_version_record without its primary (read only: older logs)
  grow = 13,          // grow_record: a mutation past a file's end
  copy_on_write = 14,  // cow_record: a shared chunk replaced by its local copy before a lease
  commit_inline = 15,  // commit_record with inline_data: a small file's bytes in the namespace
  materialize = 16,    // materialize_record: an inline version's bytes moved into chunks
  lease_grant = 17,    // bump_version_record: a lease grant's new chunk version and primary
};

record_kind kind_of(const log_record& r);
record_kind kind_of(const client_mutation& m);
// The record a client mutation is, and a request record's inner record.
log_record to_record(client_mutation m);

// -- checkpoint ---------------------------------------------------------------------------------

struct file_snapshot {
  std::string path;
  uint64_t next_version = 1;
  std::vector<version_info> versions;  // oldest first
};

// A file in the trash: where it was, when it was removed, its versions.
struct trash_snapshot {
  uint64_t id = 0;
  std::string path;
  uint64_t deleted_ms = 0;
  uint64_t next_version = 1;
  std::vector<version_info> versions;
};

// One client's remembered results (request_table.hpp): `forgotten_through` is the highest
// request number whose result was dropped to keep the table bounded.
struct done_request {
  uint64_t seq = 0;
  request_outcome outcome;
};
struct client_requests {
  uint64_t client = 0;
  uint64_t forgotten_through = 0;
  std::vector<done_request> done;  // by seq
};

// The bytes of one version stored inline (version_info::inline_data), kept apart from
// version_info's fields so that snapshot formats 1 to 4 still read. trash_id 0: a live file.
struct inline_snapshot {
  uint64_t trash_id = 0;
  std::string path;
  uint64_t version = 0;
  std::string data;
};

// The primary of a chunk's last logged grant (bump_version_record::primary).
struct lease_holder {
  chunk_handle handle;
  node_id primary;
};

// Everything persistent, in canonical (sorted) order. Reference counts are not stored: they are
// recomputed from the versions and checked on load.
struct master_snapshot {
  uint64_t next_handle = 1;
  std::vector<std::string> dirs;  // all directories except the root, parents before children
  std::vector<file_snapshot> files;
  std::vector<chunk_meta> chunks;         // committed chunks by handle
  std::vector<chunk_handle> uncommitted;  // allocated, not yet committed or abandoned
  std::vector<trash_snapshot> trash;      // by id
  uint64_t next_trash_id = 1;
  std::vector<std::string> draining;        // control addresses of chunkservers being drained
  std::vector<client_requests> requests;    // the request table, least recently used first
  std::vector<inline_snapshot> inlined;     // files, then trash entries, as listed above
  std::vector<lease_holder> lease_holders;  // by handle: committed chunks' last grants' primaries
};

}  // namespace dfs::master
