// The handshake that tells a refused node certificate from a connection cut at once, after
// CAF's connect failed without saying which (net/tls_probe.hpp).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <future>
#include <thread>

#include "common/certificates.hpp"
#include "common/temp_dir.hpp"
#include "net/tls_context.hpp"
#include "net/tls_probe.hpp"

using namespace dfs;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct TlsProbe : ::testing::Test {
  test::temp_dir tmp;

  void SetUp() override {
    for (auto ca : {"cluster", "other"}) {
      pki::create_ca(dir(ca));
      pki::issue_certificate(dir(ca), "node", principal_kind::server, {"127.0.0.1"});
      pki::issue_certificate(dir(ca), "admin", principal_kind::admin, {});
    }
  }
  std::string dir(const std::string& ca) const { return tmp.path() + "/" + ca; }
  net::tls_files files(const std::string& ca, const std::string& name) const {
    return {dir(ca) + "/ca.crt", dir(ca) + "/" + name + ".crt", dir(ca) + "/" + name + ".key"};
  }
};

// Accepts one connection on 127.0.0.1 and runs `serve` on its descriptor (blocking).
class one_shot_server {
 public:
  template <typename F>
  explicit one_shot_server(F serve) : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, serve] {
      boost::system::error_code ec;
      auto s = acceptor_.accept(ec);
      if (!ec) serve(s.native_handle());
    });
  }
  ~one_shot_server() { thread_.join(); }
  endpoint where() const { return {"127.0.0.1", port_}; }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
};

void serve_tls(net::tls_context& ctx, int fd) {
  try {
    net::tls_handshake(ctx, fd);
  } catch (const std::exception&) {  // the client refused us: what the test is about
  }
}

}  // namespace

TEST_F(TlsProbe, ANodeOfAnotherCaIsRefusedWithOpenSslsReason) {
  net::tls_context node(files("cluster", "node"), net::tls_side::server);
  net::tls_context admin(files("other", "admin"), net::tls_side::client);
  one_shot_server srv([&](int fd) { serve_tls(node, fd); });
  auto r = net::tls_probe(admin, srv.where(), 5000ms);
  EXPECT_TRUE(r.refused) << r.why;
  EXPECT_NE(r.why.find("certificate"), std::string::npos) << r.why;
  EXPECT_EQ(r.why.find("TLS handshake failed"), std::string::npos) << r.why;
}

TEST_F(TlsProbe, ANodeOfTheSameCaCompletesTheHandshake) {
  net::tls_context node(files("cluster", "node"), net::tls_side::server);
  net::tls_context admin(files("cluster", "admin"), net::tls_side::client);
  one_shot_server srv([&](int fd) { serve_tls(node, fd); });
  auto r = net::tls_probe(admin, srv.where(), 5000ms);
  EXPECT_FALSE(r.refused);
  EXPECT_EQ(r.why, "");
}

TEST_F(TlsProbe, AConnectionCutAtOnceIsNotARefusal) {
  net::tls_context admin(files("cluster", "admin"), net::tls_side::client);
  one_shot_server srv([](int) {});  // accepts, then closes
  auto r = net::tls_probe(admin, srv.where(), 5000ms);
  EXPECT_FALSE(r.refused);
  EXPECT_NE(r.why, "");
}

TEST_F(TlsProbe, ANodeThatNeverAnswersEndsAtTheDeadline) {
  net::tls_context admin(files("cluster", "admin"), net::tls_side::client);
  std::promise<void> done;
  auto finished = done.get_future();
  one_shot_server srv([&](int) { finished.wait(); });  // holds the connection, silent
  auto t0 = std::chrono::steady_clock::now();
  auto r = net::tls_probe(admin, srv.where(), 300ms);
  auto took = std::chrono::steady_clock::now() - t0;
  done.set_value();
  EXPECT_FALSE(r.refused);
  EXPECT_NE(r.why, "");
  EXPECT_LT(took, 5s);  // bounded by the deadline, not the kernel's or OpenSSL's
}
