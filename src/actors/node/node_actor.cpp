#include "actors/node/node_actor.hpp"

#include <caf/all.hpp>

namespace dfs {

namespace {

using self_ptr = node_actor::stateful_pointer<node_state>;

// Roles are fixed at start, so clients do not ask this node again (errc::not_a_master).
const char* not_a_master_text =
    "this node does not run the master role (master.address or cluster.masters must name a "
    "master's control port)";

caf::error denied(const std::string& why) {
  return caf::make_error(caf::sec::runtime_error, why);
}

caf::error not_a_master() {
  return caf::make_error(caf::sec::runtime_error, not_a_master_text);
}

ns_reply ns_not_a_master() {
  return {ns_status::not_a_master, not_a_master_text, {}, {}, {}};
}

// Asks `target` and relays its answer (see the header for why not delegate).
template <class Reply, class Target, class... Ts>
caf::result<Reply> relay(self_ptr self, const Target& target, Ts&&... xs) {
  auto rp = self->template make_response_promise<Reply>();
  self->request(target, caf::infinite, std::forward<Ts>(xs)...)
      .then([rp](Reply& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

// The same for server-to-server requests: the reply goes out with this node's server token.
template <class Reply, class Target, class... Ts>
caf::result<std::string, Reply> relay_signed(self_ptr self, const Target& target, Ts&&... xs) {
  auto rp = self->template make_response_promise<std::string, Reply>();
  self->request(target, caf::infinite, std::forward<Ts>(xs)...)
      .then([self,
             rp](Reply& r) mutable { rp.deliver(self->state.gate->server_token(), std::move(r)); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

// A namespace request of any kind, for the master role if this node runs it.
template <class Request>
caf::result<ns_reply> to_master(self_ptr self, const master_actor& master, const std::string& token,
                                const Request& r) {
  std::string why;
  if (!self->state.gate->check(token, principal_kind::client, "a namespace request", why))
    return denied(why);
  if (!master) return ns_not_a_master();
  return relay<ns_reply>(self, master, storage_atom::value, r);
}

}  // namespace

node_actor::behavior_type node_fn(self_ptr self, gate_settings gate, admin_actor admin,
                                  master_actor master, ftqueue_actor ftqueue) {
  self->state.gate.emplace(std::move(gate));
  auto& g = *self->state.gate;
  return {
      [&g](login_atom) -> std::string { return g.challenge(); },
      [&g](login_atom, const login_proof& p) -> caf::result<login_result> {
        std::string why;
        auto r = g.login(p, why);
        if (!r) return denied(why);
        return *r;
      },
      [=, &g](admin_atom, const std::string& token, admin_request req) -> caf::result<admin_reply> {
        // Any certificate may use the console; which commands, admin_fn decides by kind.
        std::string why;
        auto kind = g.check(token, std::nullopt, "a console command", why);
        if (!kind) return admin_reply{1, why};
        req.caller_kind = static_cast<uint8_t>(*kind);
        return relay<admin_reply>(self, admin, admin_atom::value, std::move(req));
      },
      [=, &g](queue_atom, const std::string& token,
              const queue_request& r) -> caf::result<queue_reply> {
        std::string why;
        if (!g.check(token, principal_kind::client, "a queue operation", why)) return denied(why);
        if (!ftqueue)
          return caf::make_error(caf::sec::runtime_error,
                                 "this node does not run the fileserver role");
        return relay<queue_reply>(self, ftqueue, queue_atom::value, r);
      },
      [=, &g](register_atom, const std::string& token,
              const chunkserver_registration& r) -> caf::result<std::string, registration_ack> {
        std::string why;
        if (!g.check(token, principal_kind::server, "a chunkserver registration", why))
          return denied(why);
        if (!master) return not_a_master();
        return relay_signed<registration_ack>(self, master, register_atom::value, r);
      },
      [=, &g](heartbeat_atom, const std::string& token,
              const chunkserver_heartbeat& hb) -> caf::result<std::string, heartbeat_reply> {
        std::string why;
        if (!g.check(token, principal_kind::server, "a chunkserver heartbeat", why))
          return denied(why);
        if (!master) return not_a_master();
        return relay_signed<heartbeat_reply>(self, master, heartbeat_atom::value, hb);
      },
      [=](storage_atom, const std::string& t, const ns_request& r) {
        return to_master(self, master, t, r);
      },
      [=](storage_atom, const std::string& t, const versions_request& r) {
        return to_master(self, master, t, r);
      },
      [=](storage_atom, const std::string& t, const trash_request& r) {
        return to_master(self, master, t, r);
      },
      [=](storage_atom, const std::string& t, const layout_request& r) {
        return to_master(self, master, t, r);
      },
      [=](storage_atom, const std::string& t, const stale_read_request& r) {
        return to_master(self, master, t, r);
      },
      [=](storage_atom, const std::string& t, const grow_request& r) {
        return to_master(self, master, t, r);
      },
      [=, &g](storage_atom, const std::string& token,
              const lock_request& r) -> caf::result<lock_reply> {
        // Authorized like the namespace requests (client certificates).
        std::string why;
        if (!g.check(token, principal_kind::client, "a namespace request", why)) return denied(why);
        if (!master) {
          lock_reply no;
          no.status = ns_status::not_a_master;
          no.error = not_a_master_text;
          return no;
        }
        return relay<lock_reply>(self, master, storage_atom::value, r);
      },
      [=, &g](storage_atom, const std::string& token,
              const status_request& r) -> caf::result<status_reply> {
        // Read-only, like the status page itself: any authenticated principal.
        std::string why;
        if (!g.check(token, std::nullopt, "the master's status", why)) return denied(why);
        if (!master) return status_reply{ns_status::not_a_master, not_a_master_text, {}};
        return relay<status_reply>(self, master, storage_atom::value, r);
      },
      [=, &g](put_atom, const std::string& token, const put_request& r) -> caf::result<put_plan> {
        std::string why;
        if (!g.check(token, principal_kind::client, "a put", why)) return denied(why);
        if (!master) return put_plan{ns_status::not_a_master, not_a_master_text, 0, 0, {}};
        return relay<put_plan>(self, master, put_atom::value, r);
      },
      [=, &g](commit_atom, const std::string& token, const put_commit& r) -> caf::result<ns_reply> {
        std::string why;
        if (!g.check(token, principal_kind::client, "a commit", why)) return denied(why);
        if (!master) return ns_not_a_master();
        return relay<ns_reply>(self, master, commit_atom::value, r);
      },
      [=, &g](lease_atom, const std::string& token,
              const lease_request& r) -> caf::result<lease_reply> {
        std::string why;
        if (!g.check(token, principal_kind::client, "a lease request", why)) return denied(why);
        if (!master) {
          lease_reply no;
          no.status = ns_status::not_a_master;
          no.error = not_a_master_text;
          return no;
        }
        return relay<lease_reply>(self, master, lease_atom::value, r);
      },
      [=, &g](replog_atom, const std::string& token, const endpoint& from,
              const replog::message& m) {
        // Only servers (cluster.key holders) take part in the masters' replicated log.
        std::string why;
        if (!g.check(token, principal_kind::server, "a replicated-log message", why)) return;
        if (!proto::valid(m)) return;  // CAF takes any enum value: unknown kinds are dropped
        if (master) self->send(master, replog_atom::value, from, m);
      },
  };
}

}  // namespace dfs
