#pragma once
// The application the log replicates (the master's metadata state, later). The node calls apply()
// once per committed data entry, in index order, on every node; snapshot()/restore() compact the
// log and bring lagging or wiped nodes up to date. Implementations must be deterministic: equal
// entry sequences give equal states and equal results on every node.
#include <string>

namespace dfs::replog {

class state_machine {
 public:
  virtual ~state_machine() = default;
  // Applies one committed entry's bytes and returns its result (opaque bytes, for the proposer).
  virtual std::string apply(const std::string& data) = 0;
  // The whole state as bytes.
  virtual std::string snapshot() const = 0;
  // Replaces the state by a snapshot() of some node. Returns false on malformed input.
  virtual bool restore(const std::string& bytes) = 0;
};

}  // namespace dfs::replog
