#include "net/udp_endpoint.hpp"

#include <array>

#include <boost/asio.hpp>

#include "net/fault_injection.hpp"

namespace dfs::net {

namespace asio = boost::asio;

// Holds any UDP datagram (at most 65507 payload bytes), so none is cut short.
constexpr size_t udp_receive_buffer_bytes = 65536;
using udp = asio::ip::udp;

struct udp_endpoint::impl {
  asio::io_context ioc;
  udp::socket sock{ioc};
  udp::endpoint from;
  std::array<char, udp_receive_buffer_bytes> buf{};
  receive_fn on_receive;
  traffic_counters* counters = nullptr;
  std::thread thread;

  // Re-arms itself after every datagram; ends when the socket is closed.
  void receive() {
    sock.async_receive_from(asio::buffer(buf), from,
                            [this](boost::system::error_code ec, size_t n) {
                              if (ec == asio::error::operation_aborted || !sock.is_open()) return;
                              if (!ec) {
                                counters->bytes_received += n;
                                ++counters->packets_received;
                                endpoint src{from.address().to_string(), from.port()};
                                if (on_receive && !fault_drop(src))
                                  on_receive(src, std::string(buf.data(), n));
                              }
                              receive();
                            });
  }
};

udp_endpoint::udp_endpoint() : impl_(std::make_unique<impl>()) {}

udp_endpoint::~udp_endpoint() {
  stop();
}

std::string udp_endpoint::bind(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return "bad address '" + host + "': " + ec.message();
  impl_->sock.open(addr.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec) impl_->sock.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->sock.bind(udp::endpoint(addr, port), ec);
  if (ec) return "cannot bind udp " + host + ":" + std::to_string(port) + ": " + ec.message();
  return {};
}

void udp_endpoint::start(receive_fn on_receive) {
  impl_->on_receive = std::move(on_receive);
  impl_->counters = &counters_;
  impl_->receive();
  impl_->thread = std::thread([i = impl_.get()] { i->ioc.run(); });
}

void udp_endpoint::send_to(const endpoint& to, std::string datagram) {
  auto* i = impl_.get();
  auto* c = &counters_;
  asio::post(i->ioc, [i, c, to, d = std::make_shared<std::string>(std::move(datagram))] {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(to.host, ec);
    if (ec) {
      ++c->send_errors;
      return;
    }
    i->sock.async_send_to(asio::buffer(*d), udp::endpoint(addr, to.port),
                          [c, d](boost::system::error_code ec2, size_t n) {
                            if (ec2) {
                              ++c->send_errors;
                              return;
                            }
                            c->bytes_sent += n;
                            ++c->packets_sent;
                          });
  });
}

void udp_endpoint::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  auto* i = impl_.get();
  asio::post(i->ioc, [i] {
    boost::system::error_code ec;
    i->sock.close(ec);
  });
  impl_->thread.join();
  impl_->on_receive = nullptr;
}

}  // namespace dfs::net
