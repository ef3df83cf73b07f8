#include "net/tcp_probe.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace dfs::net {

std::string tcp_probe(const endpoint& to, std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  asio::io_context io;
  boost::system::error_code ec;
  auto where = asio::ip::tcp::resolver(io).resolve(to.host, std::to_string(to.port), ec);
  if (ec) return "cannot resolve " + to.host + ": " + ec.message();
  asio::ip::tcp::socket s(io);
  bool done = false;
  asio::async_connect(s, where, [&](const boost::system::error_code& e, const auto&) {
    ec = e;
    done = true;
  });
  io.run_for(timeout);
  if (!done) return "no TCP connection within " + std::to_string(timeout.count()) + " ms";
  if (ec) return ec.message();
  return {};
}

}  // namespace dfs::net
