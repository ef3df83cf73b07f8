// The gateway's HTTP listener in-process (plain HTTP, a test handler): authentication before
// any handler runs, keep-alive, streamed bodies in both directions across the 1 MiB I/O
// slices, and every limit — body (413), header (431), malformed request (400), idle and
// trickling clients, the connection cap — each leaving the server serving the next client.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/gateway/bearer.hpp"
#include "net/http_server.hpp"
#include "net/tls_context.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

const std::string key = dfs::gateway::bearer_token_key("http server test secret");

std::string token(dfs::principal_kind kind = dfs::principal_kind::client) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return dfs::security::sign_auth_token({kind, "tester", static_cast<uint64_t>(now + 600)}, key);
}

// GET /big?n=N streams N bytes of a pattern; anything else echoes method, caller and the size
// of the body it read.
void handler(dfs::net::http_exchange& ex) {
  auto target = std::string(ex.head().target());
  if (target.rfind("/big?n=", 0) == 0) {
    uint64_t n = std::stoull(target.substr(7));
    ex.begin(200, n, {{"Content-Type", "application/octet-stream"}});
    std::string piece(3 << 20, '\0');
    for (size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>('a' + i % 26);
    for (uint64_t done = 0; done < n;) {
      auto k = std::min<uint64_t>(piece.size(), n - done);
      ex.write(std::string_view(piece).substr(0, k));
      done += k;
    }
    return ex.finish();
  }
  std::string buf(1 << 20, '\0');
  uint64_t body = 0;
  for (size_t got; (got = ex.read_body(buf.data(), buf.size())) > 0;) body += got;
  ex.respond(
      200,
      std::string(ex.head().method_string()) + " " + ex.caller().name + " " + std::to_string(body),
      "text/plain");
}

struct HttpServer : ::testing::Test {
  dfs::net::http_options opts() {
    dfs::net::http_options o;
    o.port = 0;
    o.token_key = key;
    o.idle_timeout_ms = 500;
    o.max_header_bytes = 2048;
    o.max_body_bytes = 8 << 20;
    o.max_conns = 4;
    o.workers = 2;
    return o;
  }
  std::unique_ptr<dfs::net::http_server> server =
      std::make_unique<dfs::net::http_server>(opts(), handler);
  asio::io_context io;

  tcp::socket connect() {
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), server->port()});
    return s;
  }
  http::response<http::string_body> exchange(tcp::socket& s, http::request<http::string_body> req,
                                             bool auth = true) {
    if (auth) req.set(http::field::authorization, "Bearer " + token());
    req.set(http::field::host, "localhost");
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer b;
    http::response_parser<http::string_body> p;
    p.body_limit(64 << 20);
    http::read(s, b, p);
    return p.release();
  }
  http::response<http::string_body> one(http::verb v, const std::string& target,
                                        std::string body = {}, bool auth = true) {
    auto s = connect();
    http::request<http::string_body> req{v, target, 11};
    req.body() = std::move(body);
    return exchange(s, std::move(req), auth);
  }
  // Raw bytes in, everything the server sends until it closes.
  std::string raw(const std::string& bytes) {
    auto s = connect();
    asio::write(s, asio::buffer(bytes));
    std::string out;
    beast::error_code ec;
    char buf[4096];
    for (size_t n; (n = s.read_some(asio::buffer(buf), ec)) > 0 || !ec;) out.append(buf, n);
    return out;
  }
  bool still_serving() { return one(http::verb::get, "/x").result_int() == 200; }
  // Polls still_serving() (refused connections throw) until it holds or 5 s pass.
  bool serving_again() {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (still_serving()) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  void SetUp() override { dfs::net::ignore_sigpipe(); }
};

}  // namespace

TEST_F(HttpServer, AuthenticatesBeforeAnyHandler) {
  auto r = one(http::verb::get, "/x", "", false);
  EXPECT_EQ(r.result_int(), 401u);
  EXPECT_EQ(r.body(), "{\"error\":\"permission denied: no credential\"}");
  EXPECT_EQ(r[http::field::www_authenticate], "Bearer");
  auto s = connect();
  http::request<http::string_body> req{http::verb::get, "/x", 11};
  req.set(http::field::authorization, "Bearer " + token(dfs::principal_kind::server));
  EXPECT_EQ(exchange(s, req, false).result_int(), 403u);
  EXPECT_EQ(one(http::verb::get, "/x").body(), "GET tester 0");
}

TEST_F(HttpServer, KeepAliveAndBodiesBothWays) {
  auto s = connect();
  http::request<http::string_body> put{http::verb::put, "/up", 11};
  put.body() = std::string(3 * (1 << 20) + 5, 'x');  // several read slices
  EXPECT_EQ(exchange(s, put).body(), "PUT tester 3145733");
  http::request<http::string_body> big{http::verb::get, "/big?n=5242883", 11};
  auto r = exchange(s, big);  // the same connection
  ASSERT_EQ(r.result_int(), 200u);
  ASSERT_EQ(r.body().size(), 5242883u);
  for (size_t i = 0; i < r.body().size(); i += 4099)
    ASSERT_EQ(r.body()[i], static_cast<char>('a' + (i % (3 << 20)) % 26)) << i;
  http::request<http::string_body> head{http::verb::head, "/x", 11};
  head.set(http::field::authorization, "Bearer " + token());
  http::write(s, head);
  beast::flat_buffer b;
  http::response_parser<http::empty_body> hp;
  hp.skip(true);  // a HEAD answer has no body whatever its Content-Length says
  http::read(s, b, hp);
  EXPECT_EQ(hp.get().result_int(), 200u);
  EXPECT_EQ(hp.get()[http::field::content_length], "13");  // "HEAD tester 0"'s length
}

TEST_F(HttpServer, LimitsAnswerAndKeepServing) {
  // Refused from its Content-Length, before a byte of it is read.
  auto big = raw("PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: 9437184\r\n\r\n");
  EXPECT_EQ(big.substr(0, 12), "HTTP/1.1 413") << big.substr(0, 200);
  EXPECT_TRUE(still_serving());
  auto header = raw("GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  EXPECT_EQ(header.substr(0, 12), "HTTP/1.1 431") << header.substr(0, 200);
  EXPECT_TRUE(still_serving());
  for (auto bad : {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n",
                   "GET /x HTTP/1.1\r\nNo-Colon\r\n\r\n", "G\x01T /x HTTP/1.1\r\n\r\n"}) {
    auto out = raw(bad);
    EXPECT_EQ(out.substr(0, 12), "HTTP/1.1 400") << bad << " -> " << out.substr(0, 200);
  }
  EXPECT_TRUE(still_serving());
}

TEST_F(HttpServer, IdleAndTricklingClientsAreCutOff) {
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(raw(""), "");  // never speaks: closed after idle_timeout_ms
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  // A header sent a byte at a time, slower than the whole-header deadline allows.
  auto s = connect();
  std::string line = "GET /x HTTP/1.1\r\nHost: a\r\n";
  beast::error_code ec;
  t0 = std::chrono::steady_clock::now();
  for (char ch : line) {
    asio::write(s, asio::buffer(&ch, 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(50ms);  // the client's pace, not synchronisation
  }
  char buf[16];
  s.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec);  // closed, no answer
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(still_serving());
}

TEST_F(HttpServer, ConnectionCapAndStop) {
  std::vector<tcp::socket> held;
  for (int i = 0; i < 4; ++i) held.push_back(connect());
  // Wait until the server has accepted all four (each answers a request), then one more is
  // closed at once.
  for (auto& s : held) {
    http::request<http::string_body> req{http::verb::get, "/x", 11};
    EXPECT_EQ(exchange(s, req).result_int(), 200u);
  }
  auto extra = raw("GET /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(extra, "");
  held.clear();
  EXPECT_TRUE(serving_again());
  auto t0 = std::chrono::steady_clock::now();
  auto idle = connect();
  server->stop();  // with a connection open: returns, closes it
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  beast::error_code ec;
  char buf[16];
  idle.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec);
}
