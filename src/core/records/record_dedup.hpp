#pragma once
// Which records a reader has already seen: a retried append that lost its reply may land
// again (same record id, later offset or chunk), and readers must deliver it once.
//
// Per client, the seen sequences are kept as disjoint intervals, so a client appending in
// sequence order costs one interval however many records it wrote; memory grows only with
// the gaps (records not seen yet, or never appended), in any arrival order.
#include <cstdint>
#include <map>

#include "core/records/record_frame.hpp"

namespace dfs::records {

class record_dedup {
 public:
  // True the first time `id` is seen, false for every duplicate.
  [[nodiscard]] bool first_time(record_id id);
  // Whether `id` was seen (without recording it).
  bool seen(record_id id) const;
  // Intervals held, over every client: what memory grows with.
  uint64_t interval_count() const { return interval_count_; }

 private:
  // first seq -> last seq (inclusive) of each run of seen sequences of one client.
  using runs = std::map<uint64_t, uint64_t>;
  std::map<uint64_t, runs> clients_;
  uint64_t interval_count_ = 0;
};

}  // namespace dfs::records
