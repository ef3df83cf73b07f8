#pragma once
// Errors as values for the master metadata: bad input from clients (paths, unknown handles,
// missing files) is never an exception. `result<T>` holds either a value or an `error`.
#include <cstdint>
#include <string>
#include <utility>
#include "common/result.hpp"

namespace dfs::master {

enum class errc : uint8_t {
  ok = 0,
  invalid_path = 1,         // syntax or length limits
  not_found = 2,            // path or version does not exist
  already_exists = 3,       // mkdir of an existing name
  not_a_directory = 4,      // a path component, or the target of ls/mkdir parent, is a file
  is_a_directory = 5,       // file operation on a directory
  directory_not_empty = 6,  // rm of a non-empty directory
  invalid_argument = 7,     // counts, sizes out of range, duplicate chunks
  unknown_handle = 8,       // commit of a handle never allocated, expired or already used
  corrupt_state = 9,        // replay or snapshot does not fit the state (our bug or bad disk)
  unavailable = 10,         // the master cannot log changes (its journal failed): restart it
  no_servers = 11,          // too few healthy chunkservers for the write quorum
  conflict = 12,        // a conditional commit (edit) found a newer version than it started from
  too_late = 13,        // a retry whose first result the master no longer remembers
  busy = 14,            // not yet (a lease may still run, chunkservers still register): ask later
  not_leader = 15,      // a standby master: ask the active one (core/master/leader_hint.hpp)
  inline_refused = 16,  // a small file the master does not store inline (over its limit or
                        // budget, or a mutation of an inline version): store it as chunks
  journal_failed = 17,  // one master whose journal failed (a full disk): it serves what is on
                        // its disk and takes no changes until restarted; not worth a retry
  not_a_master = 18,    // the node asked runs no master role (a misconfigured master.address)
};

const char* to_string(errc code);

using error = basic_error<errc>;

inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

template <class T>
using result = basic_result<T, error>;

}  // namespace dfs::master
