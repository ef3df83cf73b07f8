#pragma once
// The messages and disk requests of chunk mutations (GFS §3.1 mutation order, §3.3 record
// append), as plain structs: what a client asks the primary, what the primary sends the
// secondaries, what they answer, and what either asks its disk to do. The actors wrap them in
// src/proto; mutation_primary and mutation_secondary (this directory) decide with them.
#include <cstdint>
#include <vector>

#include "common/node_id.hpp"
#include "core/chunkstore/pending_table.hpp"

namespace dfs::chunkserver {

using chunkstore::data_id;

// A client's request to the primary of chunk `handle`. The data (`length` bytes, `data_id`)
// was pushed to every replica before (held in their pending tables).
enum class client_op : uint8_t {
  write = 0,   // at `offset`
  append = 1,  // record append: the primary chooses the offset
};

struct client_request {
  uint64_t client_id = 0;       // unique per client run
  uint64_t request_number = 0;  // per client; a retry reuses it (and the data id)
  uint64_t handle = 0;
  client_op op = client_op::write;
  uint64_t offset = 0;  // write only
  uint64_t length = 0;
  data_id data;
  std::vector<endpoint> secondaries;  // from the master's lease reply, without the primary
  uint64_t chunk_size_bytes = 0;      // the file's chunk size (0: primary_options')
};

// What the client can do about each answer.
enum class mutation_status : uint8_t {
  ok = 0,
  retry_next_chunk = 1,  // append: the chunk was padded to its end; append to the next chunk
  not_primary = 2,       // no lease here: ask the master who the primary is
  lease_expired = 3,     // the lease ran out (with the mutation unfinished): ask the master
  too_large = 4,         // a record over a quarter of the chunk, or a write past the chunk
  data_missing = 5,      // a replica lacks the pushed data: push it again, then retry
  failed = 6,            // a replica failed or refused it: retry (the region may be
                         // inconsistent until a retry succeeds)
  timeout = 7,           // not every replica answered in time: retry (same request number)
  busy = 8,              // too many unfinished mutations on the chunk: retry later
};
const char* to_string(mutation_status s);

struct client_reply {
  uint64_t client_id = 0;
  uint64_t request_number = 0;
  uint64_t handle = 0;
  mutation_status status = mutation_status::ok;
  uint64_t offset = 0;  // ok: where the data is (an append's offset)
};

// A mutation as ordered by the primary. `pad` fills [offset, offset + length) with zeros
// (the rest of a chunk a record did not fit in); `write` writes the pushed data there.
enum class mutation_kind : uint8_t { write = 0, pad = 1 };

struct mutation {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;  // the primary's lease version: older ones are refused
  uint64_t serial = 0;         // 1, 2, ... within one version
  mutation_kind kind = mutation_kind::write;
  uint64_t offset = 0;
  uint64_t length = 0;
  data_id data;  // write only

  friend bool operator==(const mutation& a, const mutation& b) {
    return a.handle == b.handle && a.chunk_version == b.chunk_version && a.serial == b.serial &&
           a.kind == b.kind && a.offset == b.offset && a.length == b.length && a.data == b.data;
  }
};

enum class ack_status : uint8_t {
  applied = 0,        // durable at this replica (also for a duplicate of an applied one)
  stale_primary = 1,  // the replica knows a newer chunk version than the mutation's
  data_missing = 2,   // the pushed data is not here (lost, expired, restarted)
  out_of_sync = 3,    // the replica gave up on this chunk (gap never filled, disk error)
};
const char* to_string(ack_status s);

// Secondary -> primary.
struct mutation_ack {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t serial = 0;
  ack_status status = ack_status::applied;
};

// Secondary -> primary: a gap did not fill in time; send again from `next_serial` on.
struct resend_request {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t next_serial = 0;
};

// Primary -> secondary: the primary no longer holds serial `serial` (it gave it up), so the
// gap will never fill.
struct mutation_gone {
  uint64_t handle = 0;
  uint64_t chunk_version = 0;
  uint64_t serial = 0;
};

// Effect: apply a mutation to the local chunk and make it durable together with (version,
// serial) as the chunk's last applied mutation; then report with on_applied(). The owner
// carries out the requests of one chunk in the order they were given.
struct disk_apply {
  mutation m;
};

enum class apply_result : uint8_t { ok = 0, data_missing = 1, failed = 2 };

}  // namespace dfs::chunkserver
