#pragma once
// Strong id types of the master metadata.
#include <cstdint>
#include <string>

namespace dfs::master {

// A chunk is named by a cluster-unique 64-bit handle, allocated by the master and never reused
// (the next free handle is persisted in the operation log). 0 is never a valid handle.
struct chunk_handle {
  uint64_t value = 0;

  bool valid() const { return value != 0; }
  std::string to_string() const;  // 16 hex digits

  friend bool operator==(chunk_handle a, chunk_handle b) { return a.value == b.value; }
  friend bool operator!=(chunk_handle a, chunk_handle b) { return a.value != b.value; }
  friend bool operator<(chunk_handle a, chunk_handle b) { return a.value < b.value; }
};

}  // namespace dfs::master
