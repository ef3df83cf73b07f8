#pragma once
// HTTP status codes for the outcomes of file and queue operations: the master's error codes,
// the queue service's statuses and the credential checks, mapped in one place.
#include <string_view>

#include "core/master/error.hpp"
#include "core/security/auth_token.hpp"

namespace dfs::gateway {

// An error the master (or the client library's own path check) answered with. `ok` means the
// failure came from elsewhere (unreachable nodes, timeouts, a chunk without replica): 503.
unsigned status_of(master::errc e);

// How a queue call that did not succeed ended (the client's queue_status, without its proto).
enum class queue_outcome {
  failed,   // applied, and final: unknown queue 404, empty queue 409, else 400
  refused,  // not applied (no fileserver in the primary partition): 503
  unknown,  // the client gave up with the outcome unknown: 504, as a storage change in doubt
};
unsigned queue_status_of(queue_outcome outcome, std::string_view message);

unsigned status_of(security::token_errc e);

}  // namespace dfs::gateway
