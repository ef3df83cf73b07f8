#include "net/tcp_probe.hpp"

#include <boost/asio/connect.hpp>

namespace dfs::net {

std::string connect_within(boost::asio::ip::tcp::socket& s, const endpoint& to,
                           std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  auto& io = static_cast<asio::io_context&>(s.get_executor().context());
  boost::system::error_code ec;
  auto where = asio::ip::tcp::resolver(io).resolve(to.host, std::to_string(to.port), ec);
  if (ec) return "cannot resolve " + to.host + ": " + ec.message();
  bool done = false;
  asio::async_connect(s, where, [&](const boost::system::error_code& e, const auto&) {
    ec = e;
    done = true;
  });
  io.restart();
  io.run_for(timeout);
  if (!done) return "no TCP connection within " + std::to_string(timeout.count()) + " ms";
  if (ec) return ec.message();
  return {};
}

std::string tcp_probe(const endpoint& to, std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  return connect_within(s, to, timeout);
}

}  // namespace dfs::net
