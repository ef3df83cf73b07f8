#include "core/records/record_dedup.hpp"

#include <iterator>

namespace dfs::records {

bool record_dedup::seen(record_id id) const {
  auto c = clients_.find(id.client);
  if (c == clients_.end()) return false;
  auto it = c->second.upper_bound(id.seq);  // first run starting after seq
  if (it == c->second.begin()) return false;
  return std::prev(it)->second >= id.seq;
}

bool record_dedup::first_time(record_id id) {
  if (seen(id)) return false;
  runs& r = clients_[id.client];
  auto next = r.upper_bound(id.seq);  // the run after seq, if any
  bool joins_prev = next != r.begin() && id.seq != 0 && std::prev(next)->second == id.seq - 1;
  bool joins_next = next != r.end() && id.seq != UINT64_MAX && next->first == id.seq + 1;
  if (joins_prev && joins_next) {
    std::prev(next)->second = next->second;
    r.erase(next);
    --interval_count_;
  } else if (joins_prev) {
    std::prev(next)->second = id.seq;
  } else if (joins_next) {
    uint64_t last = next->second;
    r.erase(next);
    r.emplace(id.seq, last);
  } else {
    r.emplace(id.seq, id.seq);
    ++interval_count_;
  }
  return true;
}

}  // namespace dfs::records
