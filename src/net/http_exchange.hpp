#pragma once
// One HTTP request as a handler sees it (net/http_server.hpp). Handlers run on the server's
// worker threads and may block: every call here waits for its socket operation, which runs
// on the server's I/O thread under the connection's deadline (gateway.idle_timeout_ms), so a
// stalled client fails the call (http_io_error) instead of holding the worker forever.
//
// A handler answers once: respond() for a small body, or begin() + write()... + finish() to
// stream exactly `length` bytes (a handler that stops early gets its connection closed).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include "common/principal.hpp"

namespace dfs::net {

// Who sent the request: from the client certificate (HTTPS) or the bearer token.
struct http_caller {
  principal_kind kind = principal_kind::client;
  std::string name;
  bool by_certificate = false;
};

using http_headers = std::vector<std::pair<std::string, std::string>>;
using http_request_head = boost::beast::http::request_header<>;

// The connection failed or timed out mid-request; the handler just unwinds.
struct http_io_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The body is longer than the handler (or gateway.max_upload_bytes) accepts.
struct http_body_too_large : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class http_exchange {
 public:
  virtual ~http_exchange() = default;

  virtual const http_request_head& head() const = 0;
  virtual const http_caller& caller() const = 0;
  // Content-Length of the request body; nullopt when chunked or absent.
  virtual std::optional<uint64_t> content_length() const = 0;
  // Up to `n` bytes of the body into `buf`; 0 once it is all read. Sends `100 Continue` first
  // when the client asked for it. Throws http_io_error, http_body_too_large.
  virtual size_t read_body(char* buf, size_t n) = 0;

  virtual void respond(unsigned status, std::string body,
                       std::string content_type = "application/json",
                       const http_headers& extra = {}) = 0;
  virtual void begin(unsigned status, uint64_t length, const http_headers& headers) = 0;
  virtual void write(std::string_view bytes) = 0;
  virtual void finish() = 0;
  // True once a response (or its header) went out.
  virtual bool answered() const = 0;
};

}  // namespace dfs::net
