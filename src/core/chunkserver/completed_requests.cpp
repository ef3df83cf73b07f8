#include "core/chunkserver/completed_requests.hpp"

namespace dfs::chunkserver {

void completed_requests::remember(const request_key& key, const client_reply& reply) {
  if (!answers_.emplace(key, reply).second) return;
  order_.push_back(key);
  while (order_.size() > max_) {
    answers_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<client_reply> completed_requests::find(const request_key& key) const {
  auto it = answers_.find(key);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dfs::chunkserver
