#pragma once
// The master's protocol messages: client <-> master (namespace requests, the two steps of a
// put) and chunkserver <-> master (registration, heartbeats). Plain structs only (integers,
// strings, vectors, node_id, enum classes with explicit wire values), so that the pure master
// core (master_core.hpp) and the chunkserver's link core take and return them as they are;
// src/proto/storage.hpp and src/proto/chunkserver.hpp add CAF's inspect() and the atoms.
//
// Chunk bytes never travel here: they go over the data port (src/net/data_frame.hpp).
// Replies carry a status and one error line instead of a caf::error, so that a client prints
// the master's message as is. An incompatible change gets a new type (heartbeat_v2), never an
// edit of an old one.
#include <cstdint>
#include <string>
#include <vector>

#include "common/node_id.hpp"
#include "core/master/error.hpp"

namespace dfs {

// Status of every reply of the master: master::errc, whose values are explicit and stable.
using ns_status = master::errc;

// -- client -> master ---------------------------------------------------------------------------

// Namespace operations that take only a path. Explicit values: they are on the wire.
enum class ns_op : uint8_t {
  mkdir = 1,
  remove = 2,  // a file (every version) or an empty directory
  list = 3,    // a directory's entries; a file lists itself
  stat = 4,
  rename = 5,  // mv path -> to (a file or a directory with everything below it)
  // A new version of the file `path` equal to its newest, sharing every chunk (nothing is
  // copied until a lease asks to mutate a shared chunk: copy-on-write). Answered like a
  // commit: versions = {the version it created}.
  snapshot = 6,
  // stat, and a directory lease (dir_leases.hpp): `path`'s directory's entries, each with its
  // newest version (versions[i] for entries[i]; a subdirectory's is empty), and lease_ms, for
  // as long as the client may answer stats of them itself. Without a lease (0: leases off,
  // a write-shared or too large directory, the root) the reply is a plain stat of `path`.
  stat_dir = 7,
  // cp path -> to: a new version of `to` (an existing directory: into it) equal to `path`'s
  // newest, sharing its chunks like a snapshot. Answered like a commit, with `to`'s stat.
  copy = 8,
};

const char* to_string(ns_op op);
// Answered from the namespace without changing it (list, stat, stat_dir).
inline bool is_read(ns_op op) {
  return op == ns_op::list || op == ns_op::stat || op == ns_op::stat_dir;
}

// Mutations carry who asks (a random 64-bit id per client process) and a request number (1, 2,
// ... per client id, the same on every retry): the master answers a retry of an applied request
// with its first result (core/master/request_table.hpp). 0: untagged, never deduplicated.
struct ns_request {
  ns_op op = ns_op::stat;
  std::string path;
  std::string to = {};  // rename: the new path (an existing directory: into it)
  uint64_t client_id = 0;
  uint64_t request_no = 0;
};

// The newest `count` versions of a file, oldest of them first.
struct versions_request {
  std::string path;
  uint32_t count = 1;
};

// Chunks and live replicas of one version (0 = the newest).
struct layout_request {
  std::string path;
  uint64_t version = 0;
};

// A read that a standby master may answer from its copy of the committed metadata (GFS's
// shadow masters; client --stale-ok). The active master answers it like the plain request.
enum class stale_op : uint8_t { list = 1, stat = 2, layout = 3 };  // on the wire
const char* to_string(stale_op op);
struct stale_read_request {
  stale_op op = stale_op::stat;
  std::string path;
  uint64_t version = 0;  // layout: 0 = the newest
};

// Where a chunk replica lives: the chunkserver's id and its data port (host = id.host).
struct replica_addr {
  node_id id;
  uint16_t data_port = 0;
};

struct ns_entry {
  std::string name;
  bool is_dir = false;
  uint64_t size_bytes = 0;
  uint64_t mtime_ms = 0;
  uint32_t version_count = 0;
  uint32_t chunk_count = 0;  // a directory: its child count
};

struct ns_version {
  uint64_t number = 0;
  uint64_t mtime_ms = 0;
  uint64_t size_bytes = 0;
  uint64_t chunk_size_bytes = 0;
  uint32_t chunk_count = 0;
};

struct ns_chunk {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
  uint32_t crc32c = 0;
  std::vector<replica_addr> replicas;  // layout: live replicas; plan: the chain; commit: stored
  // Plan and layout: the capability the chunkservers ask for (core/security/capability.hpp),
  // signed by the master actor on the way out; empty everywhere else.
  std::string token;
  // Layout: the chunk took writes or appends (records.hpp content_may_change): crc32c says
  // nothing, the replicas' block checksums alone vouch for the bytes, and bytes of
  // size_bytes past a replica's end (a hole left by a write further on) read as zeros.
  bool may_change = false;
};

struct ns_reply {
  ns_status status = ns_status::ok;  // not ok: `error` is one line
  std::string error;
  std::vector<ns_entry> entries;     // list; stat (one)
  std::vector<ns_version> versions;  // stat/layout/commit (one), versions (oldest first)
  std::vector<ns_chunk> chunks;      // layout
  // layout of a version stored inline (records.hpp version_info): its bytes; `chunks` is empty.
  std::string inline_data = {};
  uint32_t lease_ms = 0;  // stat_dir: the directory lease's term (0: none, a plain stat)
};

// The trash (rm moves files there): list it, undelete a file, purge entries now.
enum class trash_op : uint8_t {
  list = 1,      // entries: name = original path, mtime_ms = deletion time, size, versions
  undelete = 2,  // the newest entry of `path`, back at `new_path` (empty: `path`)
  purge = 3,     // entries of `path` (empty: all)
};

struct trash_request {
  trash_op op = trash_op::list;
  std::string path;
  std::string new_path;
  uint64_t client_id = 0;  // as in ns_request
  uint64_t request_no = 0;
};

// Step 1 of a put: chunk_size_bytes 0 = the cluster default.
struct put_request {
  std::string path;
  uint64_t size_bytes = 0;
  uint64_t chunk_size_bytes = 0;
};

struct put_plan {
  ns_status status = ns_status::ok;
  std::string error;
  uint64_t chunk_size_bytes = 0;
  uint32_t write_quorum = 0;
  std::vector<ns_chunk> chunks;  // handle, chunk version, size, replica chain
};

// Step 2: every chunk finalized on >= W replicas (`replicas` = where it is durable).
struct put_commit {
  std::string path;
  uint64_t chunk_size_bytes = 0;
  std::vector<ns_chunk> chunks;
  // edit: commit only if the newest version of `path` is still this one (errc::conflict
  // otherwise); 0: unconditional (versions start at 1).
  uint64_t base_version = 0;
  uint64_t client_id = 0;  // as in ns_request
  uint64_t request_no = 0;
  // A small file's bytes, stored in the namespace (records.hpp version_info::inline_data);
  // `chunks` is empty. inline_refused: too big or over the master's budget, put as chunks.
  std::string inline_data = {};
  // Not 0: no new version; the chunks now hold the bytes of version `materialize_version`,
  // the newest, which was stored inline (before a write or append to it). conflict: it is no
  // longer the newest or no longer inline (another client did it): look at the layout again.
  uint64_t materialize_version = 0;
};

// A write or record append past the end of `path` (issue 13): the newest version (it must
// still be `version`; 0: whichever is newest) grows to at least `size_bytes`, and `chunks`
// (new empty chunks from a put plan, `replicas` = where they are durable) become its chunks
// `first_index`, `first_index + 1`, ... where it has none yet. Answered with the file's stat
// (its newest version). Idempotent: a retry, or another client's grow first, changes nothing.
struct grow_request {
  std::string path;
  uint64_t version = 0;
  uint64_t size_bytes = 0;
  uint64_t first_index = 0;
  std::vector<ns_chunk> chunks;
  uint64_t client_id = 0;  // the writer, for file locks (0: none held)
};

// -- chunkserver -> master ----------------------------------------------------------------------

// One line of a chunkserver's chunk report.
struct chunk_report {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
};

struct chunkserver_registration {
  node_id id;
  uint16_t data_port = 0;
  std::string zone;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
  uint64_t used_bytes = 0;           // by chunk files
  std::vector<chunk_report> chunks;  // full report: every chunk held
};

struct registration_ack {
  node_id master;
  uint32_t heartbeat_interval_ms = 0;
  std::vector<uint64_t> delete_chunks;  // handles the chunkserver should not hold
  // The active master's term (issue 15 fencing; 0 with a single master): a chunkserver ignores
  // registrations and heartbeat replies of a term below the highest it has seen.
  uint64_t master_term = 0;
};

// How a repair copy ended on its target (a copy_instruction of a heartbeat reply).
struct copy_result {
  uint64_t order_id = 0;
  uint64_t handle = 0;
  bool ok = false;    // the target holds the chunk durably (and reports it as added)
  std::string error;  // not ok: one line, naming the source
};

// Client reads of one chunk since the last heartbeat (dynamic replication of hot chunks).
struct chunk_reads {
  uint64_t handle = 0;
  uint64_t reads = 0;
};

// Leases (core/master/lease_table.hpp). A primary's heartbeat names every lease it holds: the
// first time, that acknowledges the grant; `extend` asks for more time (mutations go on).
struct lease_claim {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  bool extend = false;
};

// A grant or renewal for the primary: it may act as primary for `holder_ms` counted from when
// it sent the heartbeat this reply answers (the lease duration shortened by the drift bound,
// computed by the master so that both sides use one configuration). A grant also sets the
// chunk's version.
struct lease_grant {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t holder_ms = 0;
};

// The master asks a primary to give a lease up before its end (a chunk short of replicas is
// copied only once no lease on it can run; core/master/master_leases.cpp); the primary stops
// ordering at once and names the lease in its heartbeats until it would have ended, and the
// master counts it as expired when it hears that (lease_table::on_released).
struct lease_revocation {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
};

// A lease bumped a chunk's version: a replica holding the previous version takes the new one
// (repeated with every heartbeat reply until the replica reports it).
struct version_update {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
};

struct chunkserver_heartbeat {
  node_id id;
  uint64_t seq = 0;
  uint64_t capacity_bytes = 0;
  uint64_t free_bytes = 0;
  uint64_t used_bytes = 0;
  std::vector<chunk_report> added;              // incremental report since the last heartbeat
  std::vector<uint64_t> removed;                // deleted, expired or found corrupt
  std::vector<copy_result> copies;              // repair copies finished since the last heartbeat
  std::vector<chunk_reads> reads;               // client reads per chunk since the last heartbeat
  std::vector<lease_claim> leases;              // leases held as primary
  std::vector<lease_revocation> released = {};  // leases given up when the master asked
};

// Repair (design.md §6): copy a chunk from a healthy replica to the chunkserver this reply
// goes to, over the data port, with the read capability `token` for the source.
struct copy_instruction {
  uint64_t order_id = 0;
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
  uint32_t crc32c = 0;  // of the whole chunk, as committed: checked on arrival
  replica_addr source;
  std::string token;
};

// Copy-on-write (core/master/master_cow.cpp): copy chunk `from_handle`, held here, to the new
// chunk `to_handle` on this chunkserver's own disk, with the same bytes, length and CRC32C at
// `chunk_version`; the copy is durable before it is reported (added) with a heartbeat.
struct local_copy {
  uint64_t from_handle = 0;
  uint64_t to_handle = 0;
  uint64_t chunk_version = 0;
};

struct heartbeat_reply {
  bool registered = false;  // false: the master does not know us (restart): register again
  std::vector<uint64_t> delete_chunks;        // orphans, dropped versions, stale replicas
  std::vector<copy_instruction> copy_chunks;  // repair copies this chunkserver should make
  std::vector<lease_grant> leases;            // grants and renewals for this primary
  std::vector<version_update> versions;       // new chunk versions of replicas held here
  uint64_t master_term = 0;                   // as in registration_ack (fencing)
  std::vector<local_copy> local_copies = {};  // copy-on-write copies to make here
  std::vector<lease_revocation> revoke = {};  // leases this primary should give up now
};

// A client asks for the lease on one chunk: the chunk `chunk_index` of the newest version of
// `path`, or, with `handle` != 0, that chunk (path and index ignored).
struct lease_request {
  std::string path;
  uint64_t chunk_index = 0;
  uint64_t handle = 0;
};

// The lease: who orders mutations (primary), who applies them after it (secondaries), the
// chunk version the grant set, and when it ends by the master's clock (ms from the reply).
struct lease_reply {
  ns_status status = ns_status::ok;  // not ok: `error` is one line
  std::string error;
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  replica_addr primary;
  std::vector<replica_addr> secondaries;
  uint64_t expires_in_ms = 0;
  bool granted = false;  // a new grant (false: an existing lease was returned)
  // The capability for the lease's mutations (capabilities.hpp), signed by the master actor.
  std::string token;
};

// File locks (core/master/lock_table.hpp): a client session holds a path shared (many readers)
// or exclusive (one updater) until it releases it or stops renewing it. Explicit values: on the
// wire.
enum class lock_op : uint8_t { acquire = 1, renew = 2, release = 3 };
enum class lock_mode : uint8_t { shared = 1, exclusive = 2 };
const char* to_string(lock_op op);
const char* to_string(lock_mode mode);
struct lock_request {
  lock_op op = lock_op::acquire;
  std::string path;
  lock_mode mode = lock_mode::shared;
  uint64_t ttl_ms = 0;   // acquire, renew: the hold lasts this long past the request
  uint64_t wait_ms = 0;  // acquire: how long it may wait behind a conflicting holder
  uint64_t client_id = 0;
  std::string owner;  // who asks, for others' messages ("alice@host pid 42")
};
struct lock_reply {
  ns_status status = ns_status::ok;  // not ok: `error` is one line (a conflict names the holder)
  std::string error;
  uint64_t expires_in_ms = 0;  // ok: the hold ends this long after the reply (master's clock)
};

// Field-wise equality, so that tests compare messages exactly (a field that a codec drops
// makes the comparison fail).
bool operator==(const replica_addr& a, const replica_addr& b);
bool operator==(const ns_request& a, const ns_request& b);
bool operator==(const versions_request& a, const versions_request& b);
bool operator==(const layout_request& a, const layout_request& b);
bool operator==(const stale_read_request& a, const stale_read_request& b);
bool operator==(const lock_request& a, const lock_request& b);
bool operator==(const lock_reply& a, const lock_reply& b);
bool operator==(const ns_entry& a, const ns_entry& b);
bool operator==(const ns_version& a, const ns_version& b);
bool operator==(const ns_chunk& a, const ns_chunk& b);
bool operator==(const ns_reply& a, const ns_reply& b);
bool operator==(const put_request& a, const put_request& b);
bool operator==(const trash_request& a, const trash_request& b);
bool operator==(const put_plan& a, const put_plan& b);
bool operator==(const put_commit& a, const put_commit& b);
bool operator==(const chunk_report& a, const chunk_report& b);
bool operator==(const copy_result& a, const copy_result& b);
bool operator==(const chunk_reads& a, const chunk_reads& b);
bool operator==(const copy_instruction& a, const copy_instruction& b);
bool operator==(const local_copy& a, const local_copy& b);
bool operator==(const chunkserver_registration& a, const chunkserver_registration& b);
bool operator==(const registration_ack& a, const registration_ack& b);
bool operator==(const chunkserver_heartbeat& a, const chunkserver_heartbeat& b);
bool operator==(const heartbeat_reply& a, const heartbeat_reply& b);
bool operator==(const lease_claim& a, const lease_claim& b);
bool operator==(const lease_grant& a, const lease_grant& b);
bool operator==(const version_update& a, const version_update& b);
bool operator==(const lease_request& a, const lease_request& b);
bool operator==(const grow_request& a, const grow_request& b);
bool operator==(const lease_reply& a, const lease_reply& b);

}  // namespace dfs
