#pragma once
// The client's one error type: every failure of a storage command (bad input, unreachable
// nodes, local files) is one line for the user, exit code 1. `code` is the master's error code
// when the master (or its path rules, applied here first) refused the request, and `ok` for
// every other failure; the HTTP gateway picks its status code from it.
#include <stdexcept>
#include <string>

#include "core/master/error.hpp"

namespace dfs {

struct storage_error : std::runtime_error {
  explicit storage_error(const std::string& what, master::errc c = master::errc::ok)
      : std::runtime_error(what), code(c) {}
  master::errc code;
};

}  // namespace dfs
