#pragma once
// Transmit-limited queue of membership updates waiting to be piggybacked (SWIM dissemination).
// Holds at most one update per member address: a newer update about a host:port replaces the
// older one (it supersedes it, whatever the node_id). Each take() counts one transmission per
// update handed out; an update is dropped after `limit` transmissions. Updates sent fewer times
// go first, newest first among equals, so fresh news spreads before old news is repeated.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/membership/messages.hpp"

namespace dfs::membership {

class broadcast_queue {
 public:
  // Queue `u`, replacing any queued update about the same address.
  void push(const member_update& u);

  // Up to `max` updates, skipping updates about `skip` (already in the packet), each counted as
  // transmitted once; updates that reach `limit` transmissions leave the queue.
  std::vector<member_update> take(size_t max, uint32_t limit, const endpoint& skip);

  // Drop the queued update about `addr`, if any.
  void erase(const endpoint& addr);

  bool contains(const endpoint& addr) const;
  size_t size() const { return q_.size(); }
  bool empty() const { return q_.empty(); }

 private:
  struct entry {
    member_update u;
    uint32_t transmits = 0;
    uint64_t order = 0;  // insertion order: higher is newer
  };
  std::vector<entry> q_;
  uint64_t next_order_ = 0;
};

}  // namespace dfs::membership
