#pragma once
// ftqueue::replica: the FTQueue state plus the per-client table of last results, as the
// gcs::replicated_state the group applies delivered operations to (gcs-protocol.md rule 6).
// A retried request (same client id and request number) returns the stored result and changes
// nothing; an older request number is answered with error_code::stale_request.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "core/ftqueue/queue_state.hpp"
#include "core/gcs/replicated_state.hpp"

namespace dfs::ftqueue {

class replica final : public gcs::replicated_state {
 public:
  // Clients remembered; beyond it the least recently active one is forgotten (deterministic: by
  // the count of applied operations, identical on every replica).
  explicit replica(size_t max_clients = 100000) : max_clients_(max_clients) {}

  std::string apply(const gcs::client_op& op) override;
  // Layout: u64 length + queue_state snapshot, u64 applied, u64 clients, per client
  // (u64 id, u64 request_no, u64 last_used, u64 length + result bytes).
  std::string snapshot() const override;
  bool restore(const std::string& bytes) override;

  const queue_state& state() const { return state_; }
  uint64_t applied() const { return applied_; }
  size_t clients() const { return clients_.size(); }  // remembered (at most max_clients)
  friend bool operator==(const replica& a, const replica& b) {
    return a.snapshot() == b.snapshot();
  }

 private:
  struct client_entry {
    uint64_t request_no = 0;
    std::string result;
    uint64_t last_used = 0;
  };
  void remember(uint64_t client_id, client_entry entry);

  queue_state state_;
  std::map<uint64_t, client_entry> clients_;
  // (last_used, client id) of every entry of clients_: the least recently active client is the
  // first, found in O(log n). A scan of clients_ per new client made every operation of a full
  // table (100,000 clients: one per CLI process) cost ~2 ms on the member's thread; the group
  // fell behind, its gossip starved, and view changes never completed.
  std::set<std::pair<uint64_t, uint64_t>> by_use_;
  uint64_t applied_ = 0;
  size_t max_clients_;
};

}  // namespace dfs::ftqueue
