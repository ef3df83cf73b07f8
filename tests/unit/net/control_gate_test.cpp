// The control port's gate (net/control_gate.hpp) in-process, in front of a plain TCP listener
// that stands in for CAF's loopback listener.
#include "net/control_gate.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>

#include "common/raw_socket.hpp"
#include "common/unique_fd.hpp"

using namespace std::chrono_literals;

namespace {

// A listening socket on an ephemeral 127.0.0.1 port.
struct listener {
  dfs::unique_fd fd{::socket(AF_INET, SOCK_STREAM, 0)};
  uint16_t port = 0;
  listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), len) == 0 && ::listen(fd.get(), 8) == 0 &&
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
  }
  // The next connection, or none if none comes within `deadline`.
  dfs::unique_fd accept_within(std::chrono::milliseconds deadline) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(deadline.count())) != 1) return {};
    return dfs::unique_fd{::accept(fd.get(), nullptr, nullptr)};
  }
};

}  // namespace

// stop() closes the relayed connections on both sides, not only the listener: before, it
// stopped the io_context, which left every session (and the gate itself) alive and its
// sockets open until the process ended.
TEST(ControlGate, StopClosesEveryRelayedConnectionOnBothSides) {
  listener caf;
  ASSERT_NE(caf.port, 0);
  dfs::net::gate_options o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.upstream_port = caf.port;
  dfs::net::control_gate gate(o);
  ASSERT_NE(gate.port(), 0);

  dfs::unique_fd client{dfs::test::connect_from("127.0.0.1", gate.port())};
  ASSERT_TRUE(client);
  // The first bytes of a TLS handshake record (type 22, version 3.1, 5 bytes of body): the gate
  // connects upstream and relays them unchanged.
  const std::array<unsigned char, 10> hello{22, 3, 1, 0, 5, 1, 2, 3, 4, 5};
  ASSERT_EQ(::send(client.get(), hello.data(), hello.size(), 0),
            static_cast<ssize_t>(hello.size()));
  auto upstream = caf.accept_within(5s);
  ASSERT_TRUE(upstream) << "the gate never connected upstream";
  std::array<unsigned char, 10> got{};
  size_t have = 0;
  while (have < got.size()) {
    auto n = ::recv(upstream.get(), got.data() + have, got.size() - have, 0);
    ASSERT_GT(n, 0);
    have += static_cast<size_t>(n);
  }
  EXPECT_EQ(got, hello);

  gate.stop();
  EXPECT_TRUE(dfs::test::closed_by_peer(client.get(), 5s));
  EXPECT_TRUE(dfs::test::closed_by_peer(upstream.get(), 5s));
  EXPECT_FALSE(dfs::unique_fd{dfs::test::connect_from("127.0.0.1", gate.port())})
      << "still listening";
}
