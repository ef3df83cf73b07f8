#pragma once
// The client's one error type: every failure of a storage command (bad input, unreachable
// nodes, local files) is one line for the user, exit code 1. `code` is the master's error code
// when the master (or its path rules, applied here first) refused the request, and `ok` for
// every other failure; the HTTP gateway picks its status code from it (504 when the outcome is
// unknown).
#include <stdexcept>
#include <string>

#include "core/master/error.hpp"

namespace dfs {

struct storage_error : std::runtime_error {
  explicit storage_error(const std::string& what, master::errc c = master::errc::ok)
      : std::runtime_error(what), code(c) {}
  master::errc code;
  // A mutation that may or may not have been applied: an attempt reached the master or a
  // chunk's primary (or may have) and no answer came before the client gave up.
  bool outcome_unknown = false;

  // The same error, marked as such and saying so: "...; outcome unknown: `why`" (callers and
  // scripts/chaos look for those two words).
  storage_error in_doubt(const std::string& why) const {
    auto e = with_more("; outcome unknown: " + why);
    e.outcome_unknown = true;
    return e;
  }

  // The same error with more said after it (what a tree command did before it stopped).
  storage_error with_more(const std::string& more) const {
    storage_error e(what() + more, code);
    e.outcome_unknown = outcome_unknown;
    return e;
  }
};

}  // namespace dfs
