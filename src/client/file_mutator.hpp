#pragma once
// Writes at an offset and record appends (issue 13, GFS §3.1 and §3.3) from a client:
//
//   layout (newest version) ── chunks missing past the end? ── plan + push empty + grow
//     │
//     ▼ per chunk touched
//   lease (primary, secondaries; cached until it ends) ── push the bytes, held, along the
//   chain ── ask the primary to apply them ── ok: done │ otherwise per the answer: ask the
//   master again (not_primary, lease_expired, an unreachable primary), push again
//   (data_missing), or retry the same request (timeout, failed, busy)
//     │
//     ▼ the file ends later than the master says: grow its size
//
// A retry keeps the request number (and so is applied at most once by a primary that
// remembers it); a write that failed may leave its region inconsistent until a retry
// succeeds, as GFS says. Appends go to the newest version's last chunk; a record that does
// not fit there is retried on the next chunk (added by the first client that needs it).
// Everything is retried until mutation_deadline, then a storage_error says what went wrong.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "client/storage_client.hpp"

namespace dfs {

class file_mutator {
 public:
  explicit file_mutator(storage_client& c);
  // Writes `data` at `offset` of the newest version of `remote` (past its end: the file grows,
  // a hole reads as zeros). Returns the file's size afterwards (at least offset + size).
  uint64_t write(const std::string& remote, uint64_t offset, std::string_view data);
  // Appends one record (at most a quarter of the file's chunk size) where the primary
  // chooses; returns its offset in the file. The file's size at the master follows within
  // flush_interval (and with flush()).
  uint64_t append(const std::string& remote, std::string_view record);
  // Makes the master's size cover every record appended so far.
  void flush();

 private:
  // The newest version's layout with its bytes in chunks: a version stored inline is stored
  // as chunks first (storage_client::materialize), since mutations lease chunks.
  ns_reply chunked_layout(const std::string& remote);
  struct piece_result {
    uint64_t offset = 0;      // where the bytes went (an append's offset in its chunk)
    bool next_chunk = false;  // append: the chunk was full, retry on the next one
  };
  // Applies one mutation to chunk `index` of `remote`.
  piece_result mutate(const std::string& remote, const ns_reply& layout, uint64_t index,
                      chunkserver::client_op op, uint64_t offset, std::string_view bytes);
  // The lease on chunk `index` (cached until it ends).
  const lease_reply& lease(const std::string& remote, uint64_t index, bool fresh);
  // The newest version's layout with at least `count` chunks (adding empty ones).
  ns_reply with_chunks(const std::string& remote, uint64_t count);
  void grow_size(const std::string& remote, uint64_t version, uint64_t size);
  // Grows the newest version to `size`, copying (by a lease) chunks a snapshot shares first.
  void grow_newest(const std::string& remote, uint64_t size);
  std::chrono::steady_clock::time_point deadline() const;

  storage_client& c_;
  struct cached_lease {
    lease_reply lease;
    std::chrono::steady_clock::time_point until;
  };
  std::map<std::pair<std::string, uint64_t>, cached_lease> leases_;
  std::map<std::string, std::pair<uint64_t, uint64_t>> appended_;  // path -> (version, end)
  std::map<std::string, ns_reply> layouts_;  // appends: the layout last seen, per path
  static constexpr std::chrono::milliseconds flush_interval{250};
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

}  // namespace dfs
