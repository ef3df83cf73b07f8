#include "net/udp_endpoint.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <mutex>

#include <boost/asio.hpp>

#include "common/thread_name.hpp"
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
  udp::endpoint last_from;  // and its text, `last_src`
  endpoint last_src;
  std::array<char, udp_receive_buffer_bytes> buf{};
  receive_fn on_receive;
  batch_end_fn on_batch_end;
  traffic_counters* counters = nullptr;
  std::thread thread;
  // Held by senders around their sendto and by stop() around the close, so that no sender
  // writes to a descriptor number the process has already reused.
  std::mutex send_mutex;

  // Re-arms itself after every batch; ends when the socket is closed.
  void receive() {
    sock.async_receive_from(asio::buffer(buf), from,
                            [this](boost::system::error_code ec, size_t n) {
                              if (ec == asio::error::operation_aborted || !sock.is_open()) return;
                              if (!ec) {
                                deliver(n);
                                drain();
                              }
                              receive();
                            });
  }

  // Reads what else waits in the socket (non-blocking), up to a bound so that a flood cannot
  // hold the batch's end back for long.
  void drain() {
    constexpr int max_batch = 64;
    for (int k = 0; k < max_batch && sock.is_open(); ++k) {
      boost::system::error_code ec;
      size_t n = sock.receive_from(asio::buffer(buf), from, 0, ec);
      if (ec) break;  // would_block: nothing more waits
      deliver(n);
    }
    if (on_batch_end) on_batch_end();
  }

  void deliver(size_t n) {
    counters->bytes_received += n;
    ++counters->packets_received;
    if (from != last_from) {  // an address as text costs a formatting call: once per sender
      last_from = from;
      last_src = endpoint{from.address().to_string(), from.port()};
    }
    if (on_receive && !fault_drop(last_src)) on_receive(last_src, std::string(buf.data(), n));
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

void udp_endpoint::start(receive_fn on_receive, batch_end_fn on_batch_end) {
  impl_->on_receive = std::move(on_receive);
  impl_->on_batch_end = std::move(on_batch_end);
  boost::system::error_code ec;
  impl_->sock.non_blocking(true, ec);  // drain()'s reads; the async reads do not mind
  impl_->counters = &counters_;
  impl_->receive();
  impl_->thread = named_thread("udp-rx", [i = impl_.get()] { i->ioc.run(); });
}

void udp_endpoint::send_to(const endpoint& to, std::string datagram) {
  auto* i = impl_.get();
  auto* c = &counters_;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(to.host, ec);
  if (ec) {
    ++c->send_errors;
    return;
  }
  udp::endpoint dst(addr, to.port);
  // Sent on the caller's thread: a non-blocking sendto is safe beside the io thread's receive,
  // and posting every datagram to the io thread cost one thread wake-up each (the largest CPU
  // cost per FTQueue operation on these VMs, where a context switch is dear).
  {
    std::lock_guard<std::mutex> lock(i->send_mutex);
    if (!i->sock.is_open()) {
      ++c->send_errors;
      return;
    }
    auto n = ::sendto(i->sock.native_handle(), datagram.data(), datagram.size(), MSG_DONTWAIT,
                      dst.data(), static_cast<socklen_t>(dst.size()));
    if (n >= 0) {
      c->bytes_sent += static_cast<uint64_t>(n);
      ++c->packets_sent;
      return;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
      ++c->send_errors;
      return;
    }
  }
  // The socket's send buffer is full: queue it on the io thread, which waits until it drains.
  asio::post(i->ioc, [i, c, dst, d = std::make_shared<std::string>(std::move(datagram))] {
    i->sock.async_send_to(asio::buffer(*d), dst, [c, d](boost::system::error_code ec2, size_t n) {
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
    std::lock_guard<std::mutex> lock(i->send_mutex);
    boost::system::error_code ec;
    i->sock.close(ec);
  });
  impl_->thread.join();
  impl_->on_receive = nullptr;
  impl_->on_batch_end = nullptr;
}

}  // namespace dfs::net
