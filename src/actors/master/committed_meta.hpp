#pragma once
// The replicated masters' state machine (core/replog/state_machine.hpp): the master's metadata
// as of the last committed log entry. One entry of the replicated log is one batch of the
// master core's log records (its group commit); every master applies committed batches here in
// log order, so every master holds the same namespace, and a standby that takes over starts
// its master core from this state.
//
// The active master keeps this copy besides its core's: the core applies records before they
// are committed (requests validate against the newest state), this copy only once they are.
// When the active master steps down with records that never committed, the core is thrown away
// and this copy is still right. The cost: the metadata twice in the active master's memory.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/master/master_state.hpp"
#include "core/master/records.hpp"
#include "core/replog/state_machine.hpp"

namespace dfs {

// A batch as the bytes of one log entry: per record, a 4-byte little-endian length and the
// record's bytes (proto/master_log.hpp).
std::string encode_batch(const std::vector<master::log_record>& records);
// Errors (corrupt_state) on truncated input, a length beyond the input or a bad record.
master::result<std::vector<master::log_record>> decode_batch(std::string_view bytes);

class committed_meta final : public replog::state_machine {
 public:
  explicit committed_meta(master::master_options opts);

  // Applies a batch; returns "" or, for a batch that does not decode or apply (a bug or a
  // damaged entry: every master sees the same), the error, the records before it applied.
  std::string apply(const std::string& data) override;
  std::string snapshot() const override;            // proto::encode_snapshot of the state
  bool restore(const std::string& bytes) override;  // "": the empty state

  const master::master_state& meta() const { return meta_; }
  uint64_t batches() const { return batches_; }
  uint64_t failures() const { return failures_; }

 private:
  master::master_options opts_;
  master::master_state meta_;
  uint64_t batches_ = 0, failures_ = 0;
};

}  // namespace dfs
