#include "net/http_server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/logging.hpp"
#include "common/thread_name.hpp"
#include "core/gateway/bearer.hpp"
#include "core/gateway/json.hpp"
#include "core/gateway/status.hpp"
#include "net/metrics.hpp"

namespace dfs::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// After an error answer the rest of the request is read and dropped for at most this long
// and this many bytes, so that closing does not reset the answer away (RFC 9112 §9.6).
constexpr auto linger_time = std::chrono::seconds(1);
constexpr size_t linger_bytes = 1 << 20;
// Room in the read buffer beyond the header limit: body bytes go through it too, and Beast
// reads at most its free capacity per socket read (never below 512 bytes). Reserved whole when
// the session starts: a buffer left at the capacity the header needed read a 1 GiB upload 512
// bytes at a time (2 million socket reads; 60 MiB/s on loopback).
constexpr size_t buffer_slack_bytes = 64 << 10;
// Body bytes per socket operation: each gets the full idle timeout, so a slow but moving client
// is served at any rate above slice / timeout (1 MiB per 30 s by default), a stalled one not.
constexpr size_t io_slice_bytes = 1 << 20;

// The completion handler of every operation a worker waits for. One type, not a lambda per
// call site: Beast instantiates its whole stack of composed operations per handler type, and
// lambdas made that a dozen stacks (this file took 165 s and 4 GB of memory to compile).
struct io_waiter {
  std::promise<std::pair<boost::system::error_code, size_t>>* done;
  void operator()(boost::system::error_code ec, size_t n) const { done->set_value({ec, n}); }
};

struct session_base {
  virtual ~session_base() = default;
  virtual void shut() = 0;  // on the I/O thread
};

uint64_t unix_now_s() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string peer_common_name(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  char buf[256] = {};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  X509_free(cert);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string{};
}

std::string_view as_view(beast::string_view s) {
  return {s.data(), s.size()};
}

bool is_http_error(const error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

}  // namespace

struct http_server::shared {
  http_options opts;
  http_handler handler;
  asio::io_context* io = nullptr;
  asio::thread_pool* workers = nullptr;
  std::atomic<uint32_t> conns{0};
  std::map<std::string, uint32_t> per_address;  // open connections per remote address (mu)
  std::atomic<bool> stopping{false};
  // dfs_port_bytes_total{port="http"}: HTTP bytes (headers and bodies, before TLS); null
  // without a registry.
  prometheus::Counter* bytes_in = nullptr;
  prometheus::Counter* bytes_out = nullptr;
  std::mutex mu;

  void count(prometheus::Counter* c, size_t n) {
    if (c && n) c->Increment(static_cast<double>(n));
  }
  std::map<session_base*, std::weak_ptr<session_base>> live;

  void close_all() {
    std::vector<std::shared_ptr<session_base>> all;
    {
      std::lock_guard lk(mu);
      for (auto& [p, w] : live)
        if (auto s = w.lock()) all.push_back(s);
    }
    for (auto& s : all) s->shut();
  }
};

namespace {

template <class Stream>
class session final : public http_exchange,
                      public session_base,
                      public std::enable_shared_from_this<session<Stream>> {
  static constexpr bool tls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  session(std::shared_ptr<http_server::shared> s, Stream stream, std::string address)
      : s_(std::move(s)),
        stream_(std::move(stream)),
        address_(std::move(address)),
        buffer_(s_->opts.max_header_bytes + buffer_slack_bytes) {
    buffer_.reserve(buffer_.max_size());
  }

  ~session() override {
    std::lock_guard lk(s_->mu);
    s_->live.erase(this);
    if (auto i = s_->per_address.find(address_); i != s_->per_address.end() && --i->second == 0)
      s_->per_address.erase(i);
    --s_->conns;
  }

  void start() {
    {
      std::lock_guard lk(s_->mu);
      s_->live[this] = this->weak_from_this();
    }
    if constexpr (tls) {
      arm();
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) return self->close_now();
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

  void shut() override { close_now(); }

  // -- http_exchange (worker thread) ------------------------------------------------------
  const http_request_head& head() const override { return parser_->get().base(); }
  const http_caller& caller() const override { return caller_; }
  std::optional<uint64_t> content_length() const override {
    auto l = parser_->content_length();
    return l ? std::optional<uint64_t>(*l) : std::nullopt;
  }
  bool answered() const override { return answered_; }

  size_t read_body(char* buf, size_t n) override {
    if (parser_->is_done() || n == 0) return 0;
    auto expect = parser_->get()[http::field::expect];
    if (!continue_sent_ && beast::iequals(expect, "100-continue")) {
      continue_sent_ = true;
      http::response<http::empty_body> c{http::status::continue_, 11};
      check(run_io([&](auto done) { http::async_write(stream_, c, std::move(done)); }).first);
    }
    n = std::min(n, io_slice_bytes);
    parser_->get().body().data = buf;
    parser_->get().body().size = n;
    auto ec =
        run_io([&](auto done) { http::async_read(stream_, buffer_, *parser_, std::move(done)); },
               true)
            .first;
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      throw http_body_too_large("request body too large");
    }
    check(ec);
    return n - parser_->get().body().size;
  }

  void respond(unsigned status, std::string body, std::string content_type,
               const http_headers& extra) override {
    if (answered_) return;
    answered_ = true;
    status_ = status;
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "dfsnode");
    res.set(http::field::content_type, content_type);
    for (auto& [k, v] : extra) res.set(k, v);
    res.keep_alive(reusable());
    if (head_) {
      res.content_length(body.size());  // what a GET would have sent
    } else {
      res.body() = std::move(body);
      res.prepare_payload();
    }
    check(run_io([&](auto done) { http::async_write(stream_, res, std::move(done)); }).first);
    finished_ = true;
  }

  void begin(unsigned status, uint64_t length, const http_headers& headers) override {
    if (answered_) return;
    answered_ = true;
    status_ = status;
    res_.emplace(static_cast<http::status>(status), 11);
    res_->set(http::field::server, "dfsnode");
    for (auto& [k, v] : headers) res_->set(k, v);
    res_->content_length(length);
    res_->keep_alive(reusable());
    res_->body().data = nullptr;
    res_->body().more = !head_ && length > 0;
    sr_.emplace(*res_);
    promised_ = head_ ? 0 : length;
    check(
        run_io([&](auto done) { http::async_write_header(stream_, *sr_, std::move(done)); }).first);
    if (promised_ == 0) finished_ = true;
  }

  void write(std::string_view bytes) override {
    if (head_ || bytes.empty()) return;
    if (!sr_ || written_ + bytes.size() > promised_)
      throw http_io_error("write beyond the announced length");
    while (!bytes.empty()) {
      auto slice = bytes.substr(0, io_slice_bytes);
      res_->body().data = const_cast<char*>(slice.data());
      res_->body().size = slice.size();
      res_->body().more = true;
      auto ec = run_io([&](auto done) { http::async_write(stream_, *sr_, std::move(done)); }).first;
      if (ec == http::error::need_buffer) ec = {};
      check(ec);
      written_ += slice.size();
      bytes.remove_prefix(slice.size());
    }
  }

  void finish() override {
    if (finished_ || !sr_) return;
    res_->body().data = nullptr;
    res_->body().size = 0;
    res_->body().more = false;
    auto ec = run_io([&](auto done) { http::async_write(stream_, *sr_, std::move(done)); }).first;
    if (ec == http::error::need_buffer) ec = {};
    check(ec);
    finished_ = written_ == promised_;
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  void arm() { lowest().expires_after(std::chrono::milliseconds(s_->opts.idle_timeout_ms)); }
  bool reusable() const { return keep_alive_ && parser_->is_done() && !s_->stopping; }

  void check(const error_code& ec) {
    if (!ec) return;
    broken_ = true;
    throw http_io_error(ec.message());
  }

  // Runs one socket operation on the I/O thread and waits for it (worker threads only).
  template <class Start>
  std::pair<error_code, size_t> run_io(Start start, bool reading = false) {
    if (broken_) throw http_io_error("connection closed");
    std::promise<std::pair<error_code, size_t>> done;
    auto result = done.get_future();
    asio::post(stream_.get_executor(), [&] {
      arm();
      start(io_waiter{&done});
    });
    auto r = result.get();
    s_->count(reading ? s_->bytes_in : s_->bytes_out, r.second);
    return r;
  }

  void read_header() {
    if (s_->stopping) return close_now();
    parser_.emplace();
    parser_->header_limit(s_->opts.max_header_bytes);
    parser_->body_limit(s_->opts.max_body_bytes);
    arm();  // the whole header within the deadline: a trickling client is cut off
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              self->s_->count(self->s_->bytes_in, n);
                              self->on_header(ec);
                            });
  }

  void on_header(error_code ec) {
    if (s_->stopping) return close_now();  // the workers may be gone
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return refuse(431, "request header too large");
    if (ec == http::error::body_limit) return refuse(413, "request body too large");
    if (ec == http::error::end_of_stream || (ec && !is_http_error(ec))) return close_now();
    if (ec) return refuse(400, "malformed request: " + ec.message());
    if (parser_->get().version() != 11 && parser_->get().version() != 10)
      return refuse(400, "malformed request: HTTP/1.0 or 1.1 only");
    if (!authenticate()) return;
    keep_alive_ = parser_->get().keep_alive();
    head_ = parser_->get().method() == http::verb::head;
    answered_ = finished_ = broken_ = continue_sent_ = false;
    written_ = promised_ = 0;
    sr_.reset();
    res_.reset();
    asio::post(*s_->workers, [self = this->shared_from_this()] { self->serve(); });
  }

  bool authenticate() {
    caller_ = {};
    if constexpr (tls) {
      if (auto kind = tls_peer_kind(stream_.native_handle())) {
        caller_ = {*kind, peer_common_name(stream_.native_handle()), true};
      }
    }
    if (!caller_.by_certificate) {
      auto h = parser_->get()[http::field::authorization];
      auto claims =
          gateway::check_authorization({h.data(), h.size()}, s_->opts.token_key, unix_now_s());
      if (!claims) {
        refuse(gateway::status_of(claims.err().code), "permission denied: " + claims.err().message);
        return false;
      }
      caller_ = {claims->kind, claims->subject, false};
    }
    if (!security::kind_allows(caller_.kind, principal_kind::client)) {
      refuse(403, std::string("permission denied: the gateway needs a client or admin "
                              "credential, '") +
                      caller_.name + "' has a " + to_string(caller_.kind) + " one");
      return false;
    }
    return true;
  }

  // Worker thread: the handler, then back to the I/O thread for the next request.
  void serve() {
    auto t0 = std::chrono::steady_clock::now();
    try {
      s_->handler(*this);
    } catch (const http_io_error&) {
      broken_ = true;
    } catch (const http_body_too_large& e) {
      answer_late(413, e.what());
    } catch (const std::exception& e) {
      log::get("http")->error("handler_failed error=\"{}\"", e.what());
      answer_late(500, e.what());
    }
    if (!answered_) answer_late(500, "no answer");
    auto elapsed = std::chrono::steady_clock::now() - t0;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    auto& h = parser_->get();
    if (s_->opts.metrics && status_ != 0)
      s_->opts.metrics->count_http(as_view(h.method_string()), status_,
                                   std::chrono::duration<double>(elapsed).count());
    log::get("http")->debug(
        "http_request from={} caller={} kind={} method={} target_bytes={} status={} "
        "bytes_out={} complete={} ms={}",
        address_, caller_.name, to_string(caller_.kind), std::string(h.method_string()),
        h.target().size(), status_, written_, finished_ && !broken_, ms);
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->next(); });
  }

  void answer_late(unsigned status, const std::string& why) {
    keep_alive_ = false;
    if (answered_ || broken_) return;
    try {
      respond(status, gateway::render_error(why), "application/json", {});
    } catch (const std::exception&) {
      broken_ = true;
    }
  }

  void next() {
    if (broken_ || !finished_ || !reusable()) return linger();
    read_header();
  }

  // An error answer before any handler ran; then the connection ends.
  void refuse(unsigned status, const std::string& why) {
    // Debug only: a flood of bad requests must not flood the log.
    log::get("http")->debug("http_refused from={} status={} why=\"{}\"", address_, status, why);
    if (s_->opts.metrics)
      s_->opts.metrics->count_refused(parser_ ? as_view(parser_->get().method_string()) : "",
                                      status);
    auto res =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "dfsnode");
    res->set(http::field::content_type, "application/json");
    if (status == 401) res->set(http::field::www_authenticate, "Bearer");
    res->body() = gateway::render_error(why);
    res->keep_alive(false);
    res->prepare_payload();
    arm();
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](error_code, size_t) {
      self->linger();
    });
  }

  // Half-close, then drop what the client still sends for a moment before closing.
  void linger() {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close_now();
    lowest().expires_after(linger_time);
    drain();
  }

  void drain() {
    if (!scratch_) scratch_ = std::make_unique<std::array<char, 16384>>();
    lowest().async_read_some(asio::buffer(*scratch_),
                             [self = this->shared_from_this()](error_code ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > linger_bytes) return self->close_now();
                               self->drain();
                             });
  }

  void close_now() {
    error_code ec;
    lowest().cancel();
    lowest().socket().close(ec);
  }

  std::shared_ptr<http_server::shared> s_;
  Stream stream_;
  std::string address_;  // the peer's IP address (per-address cap, logs)
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  http_caller caller_;
  bool keep_alive_ = false, head_ = false, continue_sent_ = false;
  bool answered_ = false, finished_ = false, broken_ = false;
  uint64_t promised_ = 0, written_ = 0;
  unsigned status_ = 0;
  std::optional<http::response<http::buffer_body>> res_;
  std::optional<http::response_serializer<http::buffer_body>> sr_;
  std::unique_ptr<std::array<char, 16384>> scratch_;
  size_t drained_ = 0;
};

}  // namespace

http_server::http_server(http_options opts, http_handler handler)
    : s_(std::make_shared<shared>()), io_(std::make_unique<asio::io_context>(1)) {
  s_->opts = std::move(opts);
  s_->handler = std::move(handler);
  if (s_->opts.metrics) {
    s_->bytes_in = &s_->opts.metrics->port_bytes("http", "in");
    s_->bytes_out = &s_->opts.metrics->port_bytes("http", "out");
  }
  // A client certificate is optional here (bearer tokens are the other way in); one that is
  // presented must verify against the cluster CA, and then it authenticates the request.
  if (s_->opts.tls) s_->opts.tls->asio().set_verify_mode(asio::ssl::verify_peer);
  workers_ = std::make_unique<asio::thread_pool>(std::max<uint32_t>(1, s_->opts.workers));
  s_->io = io_.get();
  s_->workers = workers_.get();
  error_code ec;
  auto addr = asio::ip::make_address(s_->opts.host, ec);
  auto where = s_->opts.host + ":" + std::to_string(s_->opts.port);
  if (ec) throw std::runtime_error("http: bad address " + where + ": " + ec.message());
  acceptor_ = std::make_unique<tcp::acceptor>(*io_);
  tcp::endpoint ep{addr, s_->opts.port};
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("http: cannot listen on " + where + ": " + ec.message());
  port_ = acceptor_->local_endpoint().port();
  accept();
  io_thread_ = named_thread("http-io", [this] { io_->run(); });
}

http_server::~http_server() {
  stop();
}

void http_server::accept() {
  acceptor_->async_accept([this](error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted || s_->stopping) return;
    if (ec) {
      // Out of descriptors, most likely: wait a little instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else if (!admit(sock)) {
      error_code ignored;
      sock.close(ignored);  // over a cap: closed before anything is read
    } else {
      auto address = sock.remote_endpoint(ec).address().to_string();
      sock.set_option(tcp::no_delay(true), ec);
      if (s_->opts.tls)
        std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
            s_, beast::ssl_stream<beast::tcp_stream>(std::move(sock), s_->opts.tls->asio()),
            address)
            ->start();
      else
        std::make_shared<session<beast::tcp_stream>>(s_, beast::tcp_stream(std::move(sock)),
                                                     address)
            ->start();
    }
    accept();
  });
}

// Counts a new connection against both caps; false (nothing counted) if one is full.
bool http_server::admit(tcp::socket& sock) {
  error_code ec;
  auto address = sock.remote_endpoint(ec).address().to_string();
  if (ec) return false;
  std::lock_guard lk(s_->mu);
  auto& mine = s_->per_address[address];
  if (s_->conns >= s_->opts.max_conns || mine >= s_->opts.max_conns_per_address) {
    if (mine == 0) s_->per_address.erase(address);
    return false;
  }
  ++mine;
  ++s_->conns;
  return true;
}

void http_server::stop() {
  if (stopped_) return;
  stopped_ = true;
  s_->stopping = true;
  asio::post(*io_, [this] {
    error_code ec;
    acceptor_->close(ec);
    s_->close_all();
  });
  workers_->join();  // running handlers fail their socket calls and return
  asio::post(*io_, [this] {
    s_->close_all();
    io_->stop();
  });
  io_thread_.join();
}

}  // namespace dfs::net
