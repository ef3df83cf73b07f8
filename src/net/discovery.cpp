#include "net/discovery.hpp"

#include <array>
#include <atomic>
#include <random>
#include <stdexcept>
#include <thread>

#include <boost/asio.hpp>

#include "common/node_id.hpp"
#include "common/thread_name.hpp"

namespace dfs::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

udp::endpoint group_endpoint(const std::string& group) {
  auto ep = endpoint::parse(group);
  boost::system::error_code ec;
  auto addr = ep ? asio::ip::make_address_v4(ep->host, ec) : asio::ip::address_v4{};
  if (!ep || ec || !addr.is_multicast())
    throw std::runtime_error("cluster.multicast_group '" + group +
                             "' is not an IPv4 multicast HOST:PORT");
  return {addr, ep->port};
}

[[noreturn]] void fail(const std::string& what, const boost::system::error_code& ec) {
  throw std::runtime_error("discovery: " + what + ": " + ec.message());
}

}  // namespace

struct discovery_responder::impl {
  asio::io_context ioc;
  udp::socket sock{ioc};
  udp::endpoint from;
  std::array<char, discovery::max_packet_bytes + 1> buf{};
  std::string key;
  discovery::answer self;
  std::atomic<uint64_t> answered{0}, dropped{0};
  std::thread thread;

  void receive() {
    sock.async_receive_from(
        asio::buffer(buf), from, [this](boost::system::error_code ec, size_t n) {
          if (ec == asio::error::operation_aborted || !sock.is_open()) return;
          if (!ec) {
            auto reply = discovery::answer_probe(std::string_view(buf.data(), n), self, key);
            if (reply) {
              // Unicast to the prober; a lost answer is the prober's to ask again for.
              boost::system::error_code send_ec;
              sock.send_to(asio::buffer(*reply), from, 0, send_ec);
              ++answered;
            } else {
              ++dropped;
            }
          }
          receive();
        });
  }
};

discovery_responder::discovery_responder(const std::string& group, std::string key,
                                         discovery::answer self)
    : impl_(std::make_unique<impl>()) {
  auto g = group_endpoint(group);
  impl_->key = std::move(key);
  impl_->self = std::move(self);
  boost::system::error_code ec;
  auto& s = impl_->sock;
  s.open(udp::v4(), ec);
  if (!ec) s.set_option(asio::socket_base::reuse_address(true), ec);
  // Bound to the group's address: only datagrams to the group arrive, not other traffic to
  // this port; several nodes on one host share it (reuse_address).
  if (!ec) s.bind(udp::endpoint(g.address(), g.port()), ec);
  if (ec) fail("cannot bind " + group, ec);
  s.set_option(asio::ip::multicast::join_group(g.address()), ec);
  if (ec) fail("cannot join " + group + " (is there a multicast route?)", ec);
  impl_->receive();
  impl_->thread = named_thread("discovery", [i = impl_.get()] { i->ioc.run(); });
}

discovery_responder::~discovery_responder() {
  asio::post(impl_->ioc, [i = impl_.get()] {
    boost::system::error_code ec;
    i->sock.close(ec);
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint64_t discovery_responder::answered() const {
  return impl_->answered;
}
uint64_t discovery_responder::dropped() const {
  return impl_->dropped;
}

discovery::finder discover(const std::string& group, const std::string& key,
                           std::chrono::milliseconds window,
                           const std::function<bool(const discovery::finder&)>& enough) {
  auto g = group_endpoint(group);
  std::random_device rd;
  discovery::finder f((uint64_t{rd()} << 32) | rd(), key);
  asio::io_context ioc;
  udp::socket sock{ioc};
  boost::system::error_code ec;
  sock.open(udp::v4(), ec);
  // Servers on this host answer too; one hop is the LAN.
  if (!ec) sock.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (!ec) sock.set_option(asio::ip::multicast::hops(1), ec);
  if (!ec) sock.bind(udp::endpoint(asio::ip::address_v4::any(), 0), ec);
  if (ec) fail("cannot open a socket", ec);
  auto probe = f.probe();
  std::array<char, discovery::max_packet_bytes + 1> buf{};
  udp::endpoint from;
  asio::steady_timer resend{ioc}, end{ioc};
  int probes_left = 3;
  std::function<void()> send_probe = [&] {
    boost::system::error_code send_ec;
    sock.send_to(asio::buffer(probe), g, 0, send_ec);  // a failure: the next probe may pass
    if (--probes_left > 0) {
      resend.expires_after(window / 3);
      resend.async_wait([&](boost::system::error_code e) {
        if (!e) send_probe();
      });
    }
  };
  std::function<void()> receive = [&] {
    sock.async_receive_from(asio::buffer(buf), from, [&](boost::system::error_code e, size_t n) {
      if (e) return;
      f.on_datagram(std::string_view(buf.data(), n));
      if (enough && enough(f)) return ioc.stop();
      receive();
    });
  };
  end.expires_after(window);
  end.async_wait([&](boost::system::error_code) { ioc.stop(); });
  send_probe();
  receive();
  ioc.run();
  return f;
}

}  // namespace dfs::net
