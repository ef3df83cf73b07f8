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

// A queue error: `failed` is final (unknown queue 404, empty queue 409), `refused` (minority
// partition) and `retry` (gave up) are 503.
unsigned queue_status_of(bool failed, std::string_view message);

unsigned status_of(security::token_errc e);

}  // namespace dfs::gateway
