#pragma once
// Deadlines on a blocking socket: each read and each write gives up after `timeout_ms`
// (SO_RCVTIMEO / SO_SNDTIMEO), so a stalled peer costs a thread at most that long. OpenSSL on
// the descriptor inherits them (net/tls_context.hpp).
#include <cstdint>

namespace dfs::net {

void set_io_timeouts(int fd, uint32_t timeout_ms);

}  // namespace dfs::net
