#pragma once
// The client's one error type: every failure of a storage command (bad input, unreachable
// nodes, local files) is one line for the user, exit code 1.
#include <stdexcept>

namespace dfs {

struct storage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace dfs
