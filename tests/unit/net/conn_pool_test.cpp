#include "net/conn_pool.hpp"

#include <gtest/gtest.h>

#include <sys/ioctl.h>

#include <atomic>

#include "common/process.hpp"
#include "net/data_server.hpp"

using namespace dfs;

namespace {

net::pool_options pool_opts(uint32_t timeout_ms) {
  net::pool_options o;
  o.cluster = 7;
  o.timeout_ms = timeout_ms;
  return o;
}

net::data_server_options server_opts(uint16_t port, uint32_t timeout_ms) {
  net::data_server_options o;
  o.port = port;
  o.cluster = 7;
  o.timeout_ms = timeout_ms;
  o.max_connections = 16;
  return o;
}

// A data server that answers every frame with a reply carrying the frame's payload.
struct echo_server {
  std::atomic<int> connections{0};
  net::data_server server;
  echo_server(uint16_t port, uint32_t timeout_ms = 30000)
      : server(server_opts(port, timeout_ms), [this](net::frame_conn& c) {
          ++connections;
          net::frame f;
          while (c.read(f) == net::frame_error::none)
            if (!c.reply(0, "", f.payload)) return;
        }) {
    server.start();
  }
};

std::string ask(net::frame_conn& c, const std::string& what) {
  if (!c.write(net::data_type::stat, what)) return "send failed";
  net::frame f;
  net::reply_msg r;
  if (c.read(f) != net::frame_error::none || !net::parse_reply(f, r)) return "no reply";
  return r.body;
}

}  // namespace

TEST(ConnPool, ReusesAReleasedConnection) {
  auto port = test::free_port_block(1, 42000);
  echo_server srv(port);
  net::conn_pool pool(pool_opts(5000));
  auto a = pool.acquire("127.0.0.1", port);
  EXPECT_FALSE(a.reused);
  EXPECT_EQ(ask(a.conn, "one"), "one");
  pool.release("127.0.0.1", port, std::move(a.conn));
  EXPECT_EQ(pool.idle_count(), 1u);
  auto b = pool.acquire("127.0.0.1", port);
  EXPECT_TRUE(b.reused);
  EXPECT_EQ(ask(b.conn, "two"), "two");
  EXPECT_EQ(pool.opened(), 1u);
  EXPECT_EQ(srv.connections.load(), 1);
  // Two at once need two connections; both come back, then both are reused.
  auto c = pool.acquire("127.0.0.1", port);
  EXPECT_FALSE(c.reused);
  pool.release("127.0.0.1", port, std::move(b.conn));
  pool.release("127.0.0.1", port, std::move(c.conn));
  EXPECT_EQ(pool.idle_count(), 2u);
  EXPECT_TRUE(pool.acquire("127.0.0.1", port).reused);
  EXPECT_TRUE(pool.acquire("127.0.0.1", port).reused);
  EXPECT_EQ(pool.opened(), 2u);
}

TEST(ConnPool, ConnectionsClosedByThePeerAreNotHandedOut) {
  auto port = test::free_port_block(1, 42100);
  net::conn_pool pool(pool_opts(5000));
  {
    echo_server srv(port);
    auto a = pool.acquire("127.0.0.1", port);
    EXPECT_EQ(ask(a.conn, "x"), "x");
    pool.release("127.0.0.1", port, std::move(a.conn));
  }  // the server stops: it shuts its connections down, the pooled one reads EOF now
  echo_server again(port);
  auto b = pool.acquire("127.0.0.1", port);
  EXPECT_FALSE(b.reused);
  EXPECT_EQ(ask(b.conn, "y"), "y");
  EXPECT_EQ(pool.opened(), 2u);
}

TEST(ConnPool, IdleConnectionsExpireAndThePoolIsBounded) {
  auto port = test::free_port_block(1, 42200);
  echo_server srv(port);
  auto o = pool_opts(5000);
  o.max_idle = std::chrono::milliseconds(0);
  net::conn_pool expiring(o);
  auto a = expiring.acquire("127.0.0.1", port);
  expiring.release("127.0.0.1", port, std::move(a.conn));
  EXPECT_FALSE(expiring.acquire("127.0.0.1", port).reused);

  auto small = pool_opts(5000);
  small.max_idle_per_endpoint = 1;
  net::conn_pool bounded(small);
  auto x = bounded.acquire("127.0.0.1", port);
  auto y = bounded.acquire("127.0.0.1", port);
  bounded.release("127.0.0.1", port, std::move(x.conn));
  bounded.release("127.0.0.1", port, std::move(y.conn));
  EXPECT_EQ(bounded.idle_count(), 1u);
}

TEST(ConnPool, UnreachablePeerThrowsNamingTheAddress) {
  auto port = test::free_port_block(1, 42300);  // nothing listens there
  net::conn_pool pool(pool_opts(2000));
  try {
    pool.acquire("127.0.0.1", port);
    FAIL() << "connected to a closed port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos)
        << e.what();
  }
}

TEST(ConnPool, AConnectionWithUnreadBytesIsNotPooled) {
  auto port = test::free_port_block(1, 42400);
  // Answers every frame twice: a peer out of step with the request/reply protocol.
  net::data_server srv(server_opts(port, 30000), [](net::frame_conn& c) {
    net::frame f;
    while (c.read(f) == net::frame_error::none)
      if (!c.reply(0, "first", {}, true) || !c.reply(0, "second")) return;
  });
  srv.start();
  net::conn_pool pool(pool_opts(5000));
  auto a = pool.acquire("127.0.0.1", port);
  ASSERT_TRUE(a.conn.write(net::data_type::stat, "x"));
  // Both replies are in the socket before the first is read, so one recv takes both.
  ASSERT_TRUE(test::wait_until(
      [&] {
        int n = 0;
        return ::ioctl(a.conn.fd(), FIONREAD, &n) == 0 && n >= 2 * (24 + 13);
      },
      std::chrono::seconds(5), std::chrono::milliseconds(5)));
  net::frame f;
  ASSERT_EQ(a.conn.read(f), net::frame_error::none);
  EXPECT_TRUE(a.conn.has_unread());
  pool.release("127.0.0.1", port, std::move(a.conn));
  EXPECT_EQ(pool.idle_count(), 0u);
}
