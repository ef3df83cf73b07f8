#include "actors/node/request_port.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>

#include <caf/all.hpp>

#include "actors/node/gatekeeper.hpp"
#include "common/logging.hpp"
#include "core/security/auth_token.hpp"
#include "core/security/server_token.hpp"
#include "proto/blocking_request.hpp"
#include "proto/error_text.hpp"
#include "proto/request_wire.hpp"
#include "proto/wire.hpp"

namespace dfs {

namespace {

using proto::request_method;
using proto::request_status;

struct answer {
  request_status status = request_status::failed;
  std::string text;
  std::string body;
  bool timed_out = false;  // the answer may still come: the asking actor must not be reused
};

std::atomic<uint64_t> bad_requests{0};

void log_bad(const std::string& peer, const std::string& why) {
  auto n = ++bad_requests;
  // Counted always, logged sparingly: garbage on the port must not flood the log.
  if (n <= 10 || n % 1000 == 0)
    log::get("request")->warn("bad_request count={} peer=\"{}\" reason=\"{}\" action=close", n,
                              peer, why);
}

// One typed request, decoded from `body`, to `target` with `args` before it (the node actor
// takes the caller's token first; the local master or sequencer actor takes the request alone).
template <class Reply, class Request, class Target, class... Args>
answer ask(caf::actor_system& sys, caf::scoped_actor& self, std::string_view body,
           std::chrono::milliseconds timeout, const Target& target, Args&&... args) {
  Request req;
  if (!wire::decode(body, req))
    return {request_status::bad_request, "malformed request body", {}, false};
  answer a;
  bool in_time = request_within(
      self, timeout,
      [&](Reply& r) {
        a.body = wire::encode(r);
        a.status = request_status::ok;
      },
      [&](caf::error& e) {
        a.text = error_text(sys, e);
        // A refusal (auth, a standby master) is final, as over CAF; the rest may pass.
        a.status = e == caf::sec::runtime_error ? request_status::refused : request_status::failed;
      },
      target, std::forward<Args>(args)..., req);
  if (!in_time) {
    a.text = "the node did not answer in time";
    a.timed_out = true;
  }
  if (a.status == request_status::ok &&
      a.body.size() + net::max_reply_message_bytes + 64 > net::max_frame_payload_bytes)
    return {request_status::too_large, "the answer does not fit a frame", {}, false};
  return a;
}

// Where a request goes: straight to this node's master or sequencer actor when the caller's
// certificate passes the node actor's rule for it (a client kind; any kind for the status),
// saving the relay's two hops per request (issue 17: a stat is a few tens of microseconds of
// work, and each hop costs a mailbox and often a wake-up); else through the node actor, whose
// refusals (wrong kind, role not here) the caller gets unchanged.
struct local_targets {
  master_actor master;         // null: not a master here, or the caller may not ask it
  ftqueue_actor ftqueue;       // null: not a fileserver here, or the caller may not ask it
  master_actor status_master;  // null: not a master here
};

// Asks the local actor when there is one, else the node actor with the caller's token.
template <class Reply, class Request, class Local, class Atom>
answer ask_via(caf::actor_system& sys, caf::scoped_actor& self, const node_actor& node,
               const Local& local, Atom atom, const std::string& token, std::string_view body,
               std::chrono::milliseconds t) {
  if (local) return ask<Reply, Request>(sys, self, body, t, local, atom);
  return ask<Reply, Request>(sys, self, body, t, node, atom, token);
}

answer dispatch(caf::actor_system& sys, caf::scoped_actor& self, const node_actor& node,
                const local_targets& local, const std::string& token, const proto::request_head& h,
                std::chrono::milliseconds t) {
  auto s = storage_atom::value;
  const auto& m = local.master;
  switch (h.method) {
    case request_method::ns:
      return ask_via<ns_reply, ns_request>(sys, self, node, m, s, token, h.body, t);
    case request_method::versions:
      return ask_via<ns_reply, versions_request>(sys, self, node, m, s, token, h.body, t);
    case request_method::trash:
      return ask_via<ns_reply, trash_request>(sys, self, node, m, s, token, h.body, t);
    case request_method::layout:
      return ask_via<ns_reply, layout_request>(sys, self, node, m, s, token, h.body, t);
    case request_method::stale_read:
      return ask_via<ns_reply, stale_read_request>(sys, self, node, m, s, token, h.body, t);
    case request_method::grow:
      return ask_via<ns_reply, grow_request>(sys, self, node, m, s, token, h.body, t);
    case request_method::lock:
      return ask_via<lock_reply, lock_request>(sys, self, node, m, s, token, h.body, t);
    case request_method::status:
      return ask_via<status_reply, status_request>(sys, self, node, local.status_master, s, token,
                                                   h.body, t);
    case request_method::put:
      return ask_via<put_plan, put_request>(sys, self, node, m, put_atom::value, token, h.body, t);
    case request_method::commit:
      return ask_via<ns_reply, put_commit>(sys, self, node, m, commit_atom::value, token, h.body,
                                           t);
    case request_method::lease:
      return ask_via<lease_reply, lease_request>(sys, self, node, m, lease_atom::value, token,
                                                 h.body, t);
    case request_method::queue:
      return ask_via<queue_reply, queue_request>(sys, self, node, local.ftqueue, queue_atom::value,
                                                 token, h.body, t);
  }
  return {request_status::bad_request, "unknown method", {}, false};
}

}  // namespace

request_port::request_port(caf::actor_system& sys, node_actor node, request_port_settings s)
    : sys_(sys), node_(std::move(node)), s_(std::move(s)) {
  if (s_.metrics) {
    port_in_ = &s_.metrics->port_bytes("request", "in");
    port_out_ = &s_.metrics->port_bytes("request", "out");
  }
}

void request_port::serve(net::frame_conn& conn) {
  auto kind = conn.peer_kind();
  auto name = conn.peer_name();
  if (!kind || name.empty()) {  // the data server's TLS verified it; a kind-less one is not ours
    conn.reply(static_cast<uint32_t>(request_status::refused),
               "the request port needs a certificate of the cluster CA with a kind");
    return;
  }
  security::server_token token(name, s_.token_key, s_.token_ttl_s, *kind);
  // The node actor's rules for the requests asked directly (node_actor.cpp): client
  // certificates for namespace, put, commit, lease, lock and queue requests, any for the status.
  local_targets local;
  local.status_master = s_.master;
  if (security::kind_allows(*kind, principal_kind::client))
    local.master = s_.master, local.ftqueue = s_.ftqueue;
  std::optional<caf::scoped_actor> self;
  self.emplace(sys_);
  uint64_t counted_in = 0, counted_out = 0;
  auto count = [&] {  // after each exchange, while the connection lives
    if (!port_in_) return;
    port_in_->Increment(double(conn.bytes_read() - counted_in));
    port_out_->Increment(double(conn.bytes_written() - counted_out));
    counted_in = conn.bytes_read(), counted_out = conn.bytes_written();
  };
  for (;;) {
    net::frame f;
    if (conn.read(f) != net::frame_error::none) return;  // closed, idle or a broken frame
    auto h = f.type == net::data_type::request ? proto::decode_request(f.payload) : std::nullopt;
    answer a;
    if (!h) {
      a = {request_status::bad_request,
           f.type == net::data_type::request ? "malformed request" : "not a request frame",
           {},
           false};
    } else {
      auto t = std::clamp<uint32_t>(h->timeout_ms, 1, s_.max_timeout_ms);
      a = dispatch(sys_, *self, node_, local, token.at(unix_now_s()), *h,
                   std::chrono::milliseconds(t));
      if (a.timed_out) self.emplace(sys_);  // a late answer must not meet the next request
    }
    if (a.status == request_status::bad_request) {
      log_bad(name, a.text);
      conn.reply(static_cast<uint32_t>(a.status), a.text);
      count();
      return;
    }
    bool sent = conn.reply(static_cast<uint32_t>(a.status), a.text, a.body);
    count();
    if (!sent) return;
  }
}

}  // namespace dfs
