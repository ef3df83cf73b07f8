#include "net/tls_probe.hpp"

#include <fcntl.h>

#include "net/socket_deadlines.hpp"
#include "net/tcp_probe.hpp"

namespace dfs::net {

tls_probe_result tls_probe(tls_context& ctx, const endpoint& to,
                           std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  if (auto why = connect_within(s, to, timeout); !why.empty()) return {false, why};
  // The handshake's reads and writes block until the deadline at most.
  auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (rest.count() <= 0) return {false, "no time left for a TLS handshake"};
  int fd = s.native_handle();
  // The handshake runs on a blocking descriptor (tls_handshake); Asio's connect left it not.
  if (int fl = ::fcntl(fd, F_GETFL); fl == -1 || ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
    return {false, "cannot make the socket blocking"};
  set_io_timeouts(fd, static_cast<uint32_t>(rest.count()));
  try {
    tls_handshake(ctx, fd);
    return {};
  } catch (const tls_peer_refused& e) {
    return {true, e.reason};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
}

}  // namespace dfs::net
