#include "net/status_board.hpp"

#include "core/gateway/json.hpp"
#include "core/status/status_html.hpp"
#include "core/status/status_json.hpp"

namespace dfs::net {

void status_board::publish(status::membership_section s) {
  s.present = true;
  std::lock_guard lk(mu_);
  snap_.membership = std::move(s);
}

void status_board::publish(status::master_section s) {
  s.present = true;
  std::lock_guard lk(mu_);
  snap_.master = std::move(s);
}

void status_board::withdraw_master() {
  std::lock_guard lk(mu_);
  snap_.master = {};
}

void status_board::publish(status::gcs_section s) {
  s.present = true;
  std::lock_guard lk(mu_);
  snap_.gcs = std::move(s);
}

status::snapshot status_board::snapshot() const {
  std::lock_guard lk(mu_);
  return snap_;
}

bool serve_status(const status_board& board, http_exchange& ex) {
  auto target = ex.head().target();
  auto path = target.substr(0, target.find('?'));
  if (path != "/" && path != "/status/fragment" && path != "/status.json") return false;
  auto verb = ex.head().method();
  if (verb != boost::beast::http::verb::get && verb != boost::beast::http::verb::head) {
    ex.respond(405,
               gateway::render_error(
                   "method not allowed: " + std::string(path.data(), path.size()) + " is GET only"),
               "application/json", {{"Allow", "GET, HEAD"}});
    return true;
  }
  auto snap = board.snapshot();
  // The page runs only its own inline script and fetches only from this node.
  const http_headers html_headers = {
      {"Cache-Control", "no-store"},
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "connect-src 'self'; frame-ancestors 'none'"}};
  if (path == "/status.json")
    ex.respond(200, status::render_json(snap), "application/json", {{"Cache-Control", "no-store"}});
  else if (path == "/status/fragment")
    ex.respond(200, status::render_body(snap), "text/html; charset=utf-8", html_headers);
  else
    ex.respond(200, status::render_page(snap, status_refresh_ms), "text/html; charset=utf-8",
               html_headers);
  return true;
}

}  // namespace dfs::net
