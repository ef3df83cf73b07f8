#pragma once
// What a role's start function gets: the actor system, the validated config, this node's id,
// and the places where it hooks in actors (console commands, the master handle, the list of
// long-lived actors to stop at shutdown).
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/admin/admin_actor.hpp"
#include "actors/gcs/sequencer_inline.hpp"
#include "actors/master/master_reads.hpp"
#include "common/config.hpp"
#include "common/node_id.hpp"
#include "common/ports.hpp"
#include "common/strings.hpp"
#include "net/metrics.hpp"
#include "net/status_board.hpp"
#include "proto/interfaces.hpp"
#include "proto/membership.hpp"

namespace dfs {

// The master's status page: cfg.master.address's HTTP port (P+3), in this node's scheme.
inline std::string master_status_url(const config& c) {
  auto a = endpoint::parse(c.master.address);
  if (!a) return {};
  return std::string(c.gateway.tls ? "https" : "http") + "://" + a->host + ":" +
         std::to_string(http_port_of(a->port)) + "/";
}

struct node_context {
  node_context(caf::actor_system& s, const config& c, node_id i, std::vector<std::string> r)
      : sys(s),
        cfg(c),
        id(std::move(i)),
        roles(std::move(r)),
        status(std::make_shared<net::status_board>(dfs::status::node_section{
            id.to_string(), join(roles), c.http_port(), master_status_url(c)})) {}

  caf::actor_system& sys;
  const config& cfg;
  node_id id;
  std::vector<std::string> roles;
  admin_commands commands;
  master_actor master;
  std::shared_ptr<master_reads> master_fast_reads;  // with `master`: reads off its mailbox
  std::vector<caf::actor> actors;                   // sent an exit at shutdown, in reverse order
  ftqueue_actor ftqueue;  // the fileserver's queue service (sequencer), if any
  std::shared_ptr<sequencer_inline> ftqueue_fast;  // with `ftqueue`: its work off its mailbox
  failure_detector_actor membership;               // SWIM membership of this node, if started
  // Services that are not actors (the HTTP gateway): stopped and destroyed at shutdown before
  // the actors, since they call into the actor system.
  std::vector<std::shared_ptr<void>> services;
  // The process's Prometheus registry (net/metrics.hpp), served at /metrics on the HTTP port.
  std::shared_ptr<net::metrics> metrics = std::make_shared<net::metrics>();
  // The status page's sections (net/status_board.hpp), published by the actors that own them
  // and served at / on the HTTP port.
  std::shared_ptr<net::status_board> status;
  // Set by a role that serves the HTTP port itself (the fileserver's gateway); otherwise the
  // server starts a listener with only /metrics there (roles/http_port.hpp).
  bool http_port_served = false;

  template <class Handle>
  void keep(const Handle& h) {
    actors.push_back(caf::actor_cast<caf::actor>(h));
  }
};

}  // namespace dfs
