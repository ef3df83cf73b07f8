#include "client/remote.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/all.hpp>

#include <algorithm>
#include <set>

#include "common/certificates.hpp"
#include "common/startup_trace.hpp"
#include "core/security/login_challenge.hpp"
#include "net/tcp_probe.hpp"
#include "net/tls_probe.hpp"

namespace dfs {

namespace {

caf::error fail(const std::string& text) {
  return caf::make_error(caf::sec::runtime_error, text);
}

using clock = std::chrono::steady_clock;

// What is left until `deadline`, at least 1 ms (a request needs a positive timeout).
std::chrono::milliseconds left(clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()));
}

caf::error login(caf::actor_system& sys, const config& cfg, remote_node& node,
                 clock::time_point deadline) {
  caf::scoped_actor self{sys};
  std::string challenge;
  caf::error err;
  self->request(node.actor, left(deadline), login_atom::value)
      .receive([&](std::string& c) { challenge = std::move(c); }, [&](caf::error& e) { err = e; });
  if (err) return err;
  startup_mark("login_challenge");
  login_proof proof;
  proof.challenge = challenge;
  try {
    proof.cert_pem = pki::read_file(cfg.tls.cert);
    proof.signature = pki::sign(cfg.tls.key, security::login_signing_input(challenge));
  } catch (const pki::pki_error& e) {
    return fail(e.what());
  }
  startup_mark("login_signed");
  login_result r;
  self->request(node.actor, left(deadline), login_atom::value, proof)
      .receive([&](login_result& x) { r = std::move(x); }, [&](caf::error& e) { err = e; });
  if (err) return err;
  node.token = std::move(r.token);
  // Log in again well before the end, whatever the clocks of this host and the node say.
  node.renew_at = std::chrono::steady_clock::now() + std::chrono::seconds(r.ttl_s / 2);
  return {};
}

}  // namespace

namespace {

// caf::openssl::remote_actor, with a deadline: it asks the same middleman actor, but waits
// for ever (a stopped process whose kernel still accepts the TCP connection never finishes the
// TLS handshake). A connect given up on goes on inside the middleman and is dropped.
caf::expected<node_actor> remote_node_actor(caf::actor_system& sys, const endpoint& addr,
                                            std::chrono::milliseconds timeout) {
  // A host that drops our packets would hold CAF's connects for minutes (net/tcp_probe.hpp).
  auto t0 = clock::now();
  if (auto why = net::tcp_probe(addr, timeout); !why.empty())
    return caf::make_error(caf::sec::cannot_connect_to_node, why);
  timeout = left(t0 + timeout);
  caf::expected<node_actor> out{caf::sec::none};
  caf::scoped_actor self{sys};
  self->request(sys.openssl_manager().actor_handle(), timeout, caf::connect_atom::value, addr.host,
                addr.port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>& ifs) {
            if (!ptr)
              out = caf::make_error(caf::sec::no_actor_published_at_port);
            else if (!sys.assignable(ifs, sys.message_types(caf::detail::type_list<node_actor>{})))
              out = caf::make_error(caf::sec::unexpected_actor_messaging_interface);
            else
              out = caf::actor_cast<node_actor>(std::move(ptr));
          },
          [&](caf::error& e) {
            out = e == caf::sec::request_timeout
                      ? caf::make_error(
                            caf::sec::runtime_error,
                            "no TLS connection within " + std::to_string(timeout.count()) + " ms")
                      : std::move(e);
          });
  return out;
}

// When CAF's bare "cannot connect" (no context: its first SSL_connect failed, see
// net/tls_probe.hpp) was our refusal of the node's certificate, why we refused it, from a
// handshake of our own; "" when it was not.
std::string refused_node_certificate(const config& cfg, const endpoint& addr, const caf::error& err,
                                     std::chrono::milliseconds timeout) {
  if (err != caf::sec::cannot_connect_to_node || !err.context().empty()) return {};
  try {
    auto ctx = net::tls_context::shared(net::tls_files{cfg.tls.ca, cfg.tls.cert, cfg.tls.key},
                                        net::tls_side::client);
    auto probe = net::tls_probe(*ctx, addr, timeout);
    return probe.refused ? probe.why : std::string();
  } catch (const std::exception&) {
    return {};  // our own files: the start-up check reports those
  }
}

}  // namespace

caf::expected<remote_node> connect_node(caf::actor_system& sys, const config& cfg,
                                        const endpoint& addr, const token_source& act_as) {
  return connect_node_until(
      sys, cfg, addr, clock::now() + std::chrono::milliseconds(cfg.client.timeout_ms), act_as);
}

caf::expected<remote_node> connect_node_until(caf::actor_system& sys, const config& cfg,
                                              const endpoint& addr,
                                              std::chrono::steady_clock::time_point deadline,
                                              const token_source& act_as) {
  auto where = "cannot connect to " + addr.to_string() + ": ";
  auto h = remote_node_actor(sys, addr, left(deadline));
  if (!h) {
    // CAF says only "disconnect during handshake" when TLS fails; say what usually causes it.
    auto why = error_text(sys, h.error());
    // A TLS failure is the credentials' fault, not the network's: a retry cannot help
    // (runtime_error; cannot_connect_to_node says "try again", e.g. while a node restarts).
    auto refused = refused_node_certificate(cfg, addr, h.error(), left(deadline));
    bool tls = !refused.empty() || why.find("disconnect_during_handshake") != std::string::npos;
    // TLS worked but what came back was no CAF handshake: another of the node's ports (the
    // HTTP one answers TLS too). Asking again cannot help either.
    bool other_port = why.find("malformed_basp_message") != std::string::npos;
    if (tls)
      why =
          "TLS handshake failed (is tls.cert signed by the cluster CA in tls.ca, and is the "
          "node using the same CA? is it the node's control port?)" +
          (refused.empty() ? std::string() : ": we refused the node's certificate: " + refused);
    else if (other_port)
      why =
          "it does not speak the control protocol: name a node's control port P (P+1..P+4 "
          "are its data, multicast, HTTP and request ports)";
    return caf::make_error(
        tls || other_port ? caf::sec::runtime_error : caf::sec::cannot_connect_to_node,
        where + why);
  }
  startup_mark("tls_connected");
  remote_node node;
  node.actor = *h;
  if (act_as) {
    node.token = act_as();
    return node;
  }
  if (auto err = login(sys, cfg, node, deadline))  // a refusal (runtime_error) stays one
    return caf::make_error(
        err == caf::sec::runtime_error ? caf::sec::runtime_error : caf::sec::cannot_connect_to_node,
        where + error_text(sys, err));
  startup_mark("logged_in");
  return node;
}

caf::error refresh_login(caf::actor_system& sys, const config& cfg, remote_node& node,
                         const token_source& act_as) {
  if (act_as) {
    node.token = act_as();
    return {};
  }
  if (std::chrono::steady_clock::now() < node.renew_at) return {};
  return login(sys, cfg, node, clock::now() + std::chrono::milliseconds(cfg.client.timeout_ms));
}

admin_reply admin_call(caf::actor_system& sys, const remote_node& node, const admin_request& req,
                       std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  admin_reply out{1, "no reply"};
  self->request(node.actor, timeout, admin_atom::value, node.token, req)
      .receive(
          [&](const admin_reply& r) { out = r; },
          [&](caf::error& e) {
            out = {1, e == caf::sec::request_timeout ? "request timed out" : error_text(sys, e)};
          });
  return out;
}

}  // namespace dfs
