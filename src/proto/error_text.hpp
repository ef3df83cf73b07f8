#pragma once
// One line for an error from CAF or from a node: a node's refusal (runtime_error with one
// string of context) reads as its reason, anything else as CAF renders it. Clients print it;
// the request port sends it, so that a refusal reads the same over either path.
#include <string>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

namespace dfs {

std::string error_text(caf::actor_system& sys, const caf::error& e);

}  // namespace dfs
