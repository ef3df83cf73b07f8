#pragma once
// The application the group replicates. The GCS calls apply() once per delivered operation, in
// global-sequence order, on every member; snapshot()/restore() move the whole state to members
// that join or come back from a non-primary partition. Implementations must be deterministic:
// equal operation sequences give equal states and equal results on every replica. Deduplication
// of client retries (same client id and request number) belongs to the implementation, because
// the remembered results are part of the replicated state (gcs-protocol.md rule 6).
#include <string>

#include "core/gcs/messages.hpp"

namespace dfs::gcs {

class replicated_state {
 public:
  virtual ~replicated_state() = default;
  // Applies one delivered operation and returns the reply for its client (opaque bytes).
  virtual std::string apply(const client_op& op) = 0;
  // The whole state (including the per-client table of last results) as bytes.
  virtual std::string snapshot() const = 0;
  // Replaces the state by a snapshot() of another replica. Returns false on malformed input.
  virtual bool restore(const std::string& bytes) = 0;
};

}  // namespace dfs::gcs
