#include "core/master/master_finder.hpp"

#include <algorithm>

#include "common/assert.hpp"

namespace dfs::master {

master_finder::master_finder(std::vector<endpoint> masters, hint_policy policy)
    : masters_(std::move(masters)), policy_(policy) {
  DFS_ASSERT(!masters_.empty(), "master_finder needs at least one master");
}

const endpoint& master_finder::on_failure(const std::optional<endpoint>& hint) {
  ++failures_;
  if (hint && *hint != current() && hints_in_a_row_ < masters_.size()) {
    auto it = std::find(masters_.begin(), masters_.end(), *hint);
    if (it == masters_.end() && policy_ == hint_policy::learn)
      it = masters_.insert(masters_.end(), *hint);
    if (it != masters_.end()) {
      at_ = static_cast<size_t>(it - masters_.begin());
      ++hints_in_a_row_;
      return current();
    }
  }
  hints_in_a_row_ = 0;
  at_ = (at_ + 1) % masters_.size();  // one master: that one again
  return current();
}

bool master_finder::prefer(const endpoint& m) {
  auto it = std::find(masters_.begin(), masters_.end(), m);
  if (it == masters_.end()) return false;
  at_ = static_cast<size_t>(it - masters_.begin());
  return true;
}

void master_finder::on_success() {
  failures_ = 0;
  hints_in_a_row_ = 0;
}

}  // namespace dfs::master
