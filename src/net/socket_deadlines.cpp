#include "net/socket_deadlines.hpp"

#include <sys/socket.h>
#include <sys/time.h>

namespace dfs::net {

void set_io_timeouts(int fd, uint32_t timeout_ms) {
  timeval tv{static_cast<time_t>(timeout_ms / 1000),
             static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace dfs::net
