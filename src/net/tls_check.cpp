#include "net/tls_check.hpp"

#include <stdexcept>

namespace dfs::net {

std::string check_tls_files(const config& cfg, std::shared_ptr<tls_context>* keep, tls_load load) {
  if (cfg.tls.ca.empty() || cfg.tls.cert.empty() || cfg.tls.key.empty())
    return "tls.ca, tls.cert and tls.key must be set: every connection is mutual TLS "
           "(create them with `dfsnode --role ca init DIR` and `dfsnode --role ca issue DIR "
           "NAME --kind server|client|admin`, see SECURITY.md)";
  std::shared_ptr<tls_context> ctx;
  try {
    ctx = tls_context::shared({cfg.tls.ca, cfg.tls.cert, cfg.tls.key}, tls_side::client, load);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (load == tls_load::on_demand) {
    if (keep) *keep = std::move(ctx);
    return {};
  }
  if (auto why = ctx->own_certificate_problem(); !why.empty())
    return "tls.cert '" + cfg.tls.cert + "': " + why;
  if (keep) *keep = std::move(ctx);
  return {};
}

std::string keep_client_sessions(const config& cfg, tls_context& ctx) {
  auto dir = tls_session_dir(cfg);
  auto why = ctx.keep_sessions(dir);
  if (why.empty()) return {};
  return "client.tls_session_dir '" + dir + "': " + why + "; TLS sessions are not kept";
}

}  // namespace dfs::net
