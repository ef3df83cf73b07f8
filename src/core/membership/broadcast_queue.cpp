#include "core/membership/broadcast_queue.hpp"

#include <algorithm>

namespace dfs::membership {

void broadcast_queue::push(const member_update& u) {
  erase(u.id.address());
  q_.push_back(entry{u, 0, next_order_++});
}

void broadcast_queue::erase(const endpoint& addr) {
  q_.erase(std::remove_if(q_.begin(), q_.end(),
                          [&](const entry& e) { return e.u.id.address() == addr; }),
           q_.end());
}

bool broadcast_queue::contains(const endpoint& addr) const {
  return std::any_of(q_.begin(), q_.end(),
                     [&](const entry& e) { return e.u.id.address() == addr; });
}

std::vector<member_update> broadcast_queue::take(size_t max, uint32_t limit, const endpoint& skip) {
  std::vector<member_update> out;
  if (max == 0 || q_.empty()) return out;
  // Fewest transmissions first, newest first among equals. The queue holds one entry per known
  // address, so sorting it per packet stays cheap.
  std::sort(q_.begin(), q_.end(), [](const entry& a, const entry& b) {
    return a.transmits != b.transmits ? a.transmits < b.transmits : a.order > b.order;
  });
  for (auto& e : q_) {
    if (out.size() >= max) break;
    if (e.u.id.host == skip.host && e.u.id.port == skip.port) continue;
    out.push_back(e.u);
    ++e.transmits;
  }
  q_.erase(
      std::remove_if(q_.begin(), q_.end(), [&](const entry& e) { return e.transmits >= limit; }),
      q_.end());
  return out;
}

}  // namespace dfs::membership
