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

// One immutable version of a file: its chunks in file order.
struct version_info {
  uint64_t number = 0;    // 1, 2, ... per file, never reused while the file exists
  uint64_t mtime_ms = 0;  // wall-clock commit time (Unix ms), supplied by the master actor
  uint64_t size_bytes = 0;
  uint64_t chunk_size_bytes = 0;
  std::vector<chunk_handle> chunks;
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

using log_record =
    std::variant<mkdir_record, remove_record, allocate_record, commit_record, abandon_record,
                 trash_record, restore_record, purge_record, drain_record>;

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
};

record_kind kind_of(const log_record& r);

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
  std::vector<std::string> draining;  // control addresses of chunkservers being drained
};

}  // namespace dfs::master
