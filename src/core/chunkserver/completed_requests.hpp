#pragma once
// completed_requests: the answers a primary gave to finished client requests, keyed by
// (client id, request number), so that a retry of a request that already completed gets the
// same answer instead of being applied a second time (an append would land twice). Bounded:
// the oldest answers are forgotten first; a client retries within seconds, not after
// `max_entries` newer requests.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "core/chunkserver/mutation_messages.hpp"

namespace dfs::chunkserver {

struct request_key {
  uint64_t client_id = 0;
  uint64_t request_number = 0;

  friend bool operator<(const request_key& a, const request_key& b) {
    return a.client_id != b.client_id ? a.client_id < b.client_id
                                      : a.request_number < b.request_number;
  }
  friend bool operator==(const request_key& a, const request_key& b) {
    return a.client_id == b.client_id && a.request_number == b.request_number;
  }
};

class completed_requests {
 public:
  explicit completed_requests(size_t max_entries) : max_(max_entries == 0 ? 1 : max_entries) {}

  // Remembers the answer to `key` (a second answer for the same key is ignored: the first
  // one is what the client may have seen).
  void remember(const request_key& key, const client_reply& reply);
  std::optional<client_reply> find(const request_key& key) const;
  size_t size() const { return answers_.size(); }

 private:
  size_t max_;
  std::map<request_key, client_reply> answers_;
  std::deque<request_key> order_;  // oldest first
};

}  // namespace dfs::chunkserver
