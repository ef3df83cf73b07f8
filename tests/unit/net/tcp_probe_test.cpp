// The TCP probe that runs before CAF is asked to connect (net/tcp_probe.hpp): an open port
// answers at once, a closed one says why. (A host that drops packets, the case it exists for,
// is in the partition cluster test: MastersPartition.*)
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/tcp_probe.hpp"

using namespace std::chrono_literals;

TEST(TcpProbe, AListeningPortConnects) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(
      io, {boost::asio::ip::make_address("127.0.0.1"), 0});  // the kernel accepts for us
  auto port = a.local_endpoint().port();
  EXPECT_EQ(dfs::net::tcp_probe({"127.0.0.1", port}, 2000ms), "");
}

TEST(TcpProbe, AClosedPortSaysWhy) {
  uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed again: nothing listens there now
  auto why = dfs::net::tcp_probe({"127.0.0.1", port}, 2000ms);
  EXPECT_NE(why, "");
  EXPECT_NE(why.find("refused"), std::string::npos) << why;
}
