#include "net/control_gate.hpp"

#include <array>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>

#include <boost/asio.hpp>

#include "common/logging.hpp"
#include "common/thread_name.hpp"
#include "core/security/tls_sniffer.hpp"
#include "net/metrics.hpp"

namespace dfs::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using security::tls_sniffer;

namespace {
constexpr size_t buffer_bytes = 16384;
constexpr size_t max_pre_handshake_bytes = 64 * 1024;
struct session;
}  // namespace

struct control_gate::impl : std::enable_shared_from_this<control_gate::impl> {
  gate_options opts;
  prometheus::Counter* bytes_in = nullptr;  // from opts.metrics, if any
  prometheus::Counter* bytes_out = nullptr;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::map<asio::ip::address, uint32_t> per_address;
  uint32_t total = 0;
  std::set<session*> sessions;  // open ones, for stop() to close
  // Refusals are logged, but a flood of them only as a count per second.
  int64_t log_second = 0;
  uint32_t logged = 0, suppressed = 0;

  void refuse_log(const std::string& what) {
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_type::now().time_since_epoch())
            .count();
    if (now != log_second) {
      if (suppressed > 0)
        log::get("gate")->warn("control port: {} more connections refused or cut", suppressed);
      log_second = now;
      logged = suppressed = 0;
    }
    if (logged++ < 5)
      log::get("gate")->warn("control port: {}", what);
    else
      ++suppressed;
  }

  void accept();
};

namespace {

struct session : std::enable_shared_from_this<session> {
  std::shared_ptr<control_gate::impl> gate;
  tcp::socket client;
  tcp::socket upstream;
  asio::steady_timer timer;
  asio::ip::address peer;
  std::array<char, buffer_bytes> up_buf{}, down_buf{};
  tls_sniffer sniffer;
  size_t pre_handshake = 0;
  bool upstream_open = false, closed = false;
  clock_type::time_point last_activity = clock_type::now();

  session(std::shared_ptr<control_gate::impl> g, tcp::socket s, asio::ip::address a)
      : gate(std::move(g)), client(std::move(s)), upstream(gate->io), timer(gate->io), peer(a) {
    gate->sessions.insert(this);
  }

  ~session() {
    gate->sessions.erase(this);
    auto i = gate->per_address.find(peer);
    if (i != gate->per_address.end() && --i->second == 0) gate->per_address.erase(i);
    --gate->total;
  }

  void close(const char* why) {
    if (closed) return;
    closed = true;
    if (why) gate->refuse_log(std::string(why) + " from " + peer.to_string());
    boost::system::error_code ec;
    client.close(ec);
    upstream.close(ec);
    timer.cancel();
  }

  void start() {
    arm_timer(std::chrono::milliseconds(gate->opts.handshake_timeout_ms));
    read_client();
  }

  void arm_timer(clock_type::duration d) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed) return;
      if (self->sniffer.current() != tls_sniffer::state::established)
        return self->close("TLS handshake not finished in time");
      auto idle = std::chrono::milliseconds(self->gate->opts.idle_timeout_ms);
      auto quiet = clock_type::now() - self->last_activity;
      if (quiet >= idle) return self->close("idle connection closed");
      self->arm_timer(idle - quiet);
    });
  }

  void read_client() {
    client.async_read_some(
        asio::buffer(up_buf), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
          if (self->closed) return;
          if (ec) return self->close(nullptr);
          self->last_activity = clock_type::now();
          if (self->gate->bytes_in) self->gate->bytes_in->Increment(static_cast<double>(n));
          if (self->sniffer.current() == tls_sniffer::state::handshaking) {
            auto st = self->sniffer.feed(reinterpret_cast<const uint8_t*>(self->up_buf.data()), n);
            if (st == tls_sniffer::state::not_tls) return self->close("not TLS, connection cut");
            if (st == tls_sniffer::state::handshaking) {
              self->pre_handshake += n;
              if (self->pre_handshake > max_pre_handshake_bytes)
                return self->close("oversized TLS handshake, connection cut");
            } else {
              // Established: from now on only idleness ends the connection.
              self->arm_timer(std::chrono::milliseconds(self->gate->opts.idle_timeout_ms));
            }
          }
          if (!self->upstream_open) return self->connect_upstream(n);
          self->write_upstream(n);
        });
  }

  void connect_upstream(size_t n) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), gate->opts.upstream_port);
    upstream.async_connect(ep, [self = shared_from_this(), n](boost::system::error_code ec) {
      if (self->closed) return;
      if (ec) return self->close("local control listener unreachable");
      // Without it, Nagle holds the second small write of a request until CAF's delayed ACK
      // (40 ms): every control request through the gate took ~30-45 ms.
      boost::system::error_code ignored;
      self->upstream.set_option(tcp::no_delay(true), ignored);
      self->upstream_open = true;
      self->read_upstream();
      self->write_upstream(n);
    });
  }

  void write_upstream(size_t n) {
    asio::async_write(upstream, asio::buffer(up_buf.data(), n),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (self->closed) return;
                        if (ec) return self->close(nullptr);
                        self->read_client();
                      });
  }

  void read_upstream() {
    upstream.async_read_some(asio::buffer(down_buf), [self = shared_from_this()](
                                                         boost::system::error_code ec, size_t n) {
      if (self->closed) return;
      if (ec) return self->close(nullptr);
      self->last_activity = clock_type::now();
      if (self->gate->bytes_out) self->gate->bytes_out->Increment(static_cast<double>(n));
      asio::async_write(self->client, asio::buffer(self->down_buf.data(), n),
                        [self](boost::system::error_code ec2, size_t) {
                          if (self->closed) return;
                          if (ec2) return self->close(nullptr);
                          self->read_upstream();
                        });
    });
  }
};

}  // namespace

void control_gate::impl::accept() {
  acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket s) {
    if (!self->acceptor.is_open()) return;
    if (!ec) {
      boost::system::error_code ec2;
      auto remote = s.remote_endpoint(ec2);
      auto addr = remote.address();
      auto& count = self->per_address[addr];
      if (ec2) {
        if (count == 0) self->per_address.erase(addr);
      } else if (self->total >= self->opts.max_conns || count >= self->opts.max_conns_per_address) {
        if (count == 0) self->per_address.erase(addr);
        self->refuse_log(self->total >= self->opts.max_conns
                             ? "connection limit reached, refused " + addr.to_string()
                             : "per-address connection limit reached, refused " + addr.to_string());
        s.close(ec2);
      } else {
        ++count;
        ++self->total;
        s.set_option(tcp::no_delay(true), ec2);
        std::make_shared<session>(self, std::move(s), addr)->start();
      }
    }
    self->accept();
  });
}

control_gate::control_gate(gate_options opts) : impl_(std::make_shared<impl>()) {
  impl_->opts = std::move(opts);
  auto& o = impl_->opts;
  if (o.metrics) {
    impl_->bytes_in = &o.metrics->port_bytes("control", "in");
    impl_->bytes_out = &o.metrics->port_bytes("control", "out");
  }
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(o.host, ec), o.port);
  if (!ec) impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) port_ = impl_->acceptor.local_endpoint(ec).port();
  if (ec)
    throw std::runtime_error("cannot listen on control port " + o.host + ":" +
                             std::to_string(o.port) + ": " + ec.message());
  impl_->accept();
  thread_ = named_thread("control-gate", [i = impl_] { i->io.run(); });
}

control_gate::~control_gate() {
  stop();
}

void control_gate::stop() {
  if (!thread_.joinable()) return;
  // Everything is closed, not the io_context stopped: run() returns once every handler has
  // seen its operation cancelled, so the sessions and the handlers' references to this impl are
  // released (io.stop() would leave them queued in the io_context the impl owns: a cycle).
  asio::post(impl_->io, [i = impl_] {
    boost::system::error_code ec;
    i->acceptor.close(ec);
    for (auto* s : i->sessions) s->close(nullptr);
  });
  thread_.join();
}

}  // namespace dfs::net
