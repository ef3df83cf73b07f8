#include "roles/server.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/all.hpp>

#include "actors/membership/failure_detector.hpp"
#include "actors/node/node_actor.hpp"
#include "actors/node/request_port.hpp"
#include "common/assert.hpp"
#include "common/certificates.hpp"
#include "common/logging.hpp"
#include "common/strings.hpp"
#include "common/wall_clock.hpp"
#include "core/security/auth_token.hpp"
#include "net/control_gate.hpp"
#include "net/data_server.hpp"
#include "net/discovery.hpp"
#include "net/tls_check.hpp"
#include "proto/system_setup.hpp"
#include "roles/http_port.hpp"
#include "roles/role_table.hpp"
#include "storage/data_dir.hpp"
#include "storage/gcs_disk.hpp"

namespace dfs {

namespace {

// What a durable fileserver must be able to write beyond its current image before it starts: a
// log segment (append_file preallocates 1 MiB) and as much again for the queues to grow.
constexpr uint64_t gcs_room_margin_bytes = 2 << 20;

// Blocks until SIGINT or SIGTERM; returns the signal.
int wait_for_signal(const sigset_t& sigs) {
  int sig = 0;
  sigwait(&sigs, &sig);
  return sig;
}

// Every server node is a member of the gossip group, whatever its roles; role actors
// subscribe to its events through ctx.membership.
// The failure detector has a thread of its own (detached): on the shared scheduler (one thread
// on a fileserver) it answered no ping while the sequencer wrote and encoded a large queue
// image, peers suspected the node at every view change that needed it, and each suspicion
// restarted the view change (a queue of 600,000 items never regained a primary view).
// A fileserver joins only once its sequencer has recovered its queue state (it sends the join):
// the group proposes a view with a member as soon as gossip reports it, and a member still
// reading its image kept that view change, and the queue service, waiting (a 5 MB state:
// ~240 ms of a 450 ms interruption; past gcs.view_timeout_ms the member was excluded).
void start_membership(node_context& ctx) {
  bool defer_join = std::find(ctx.roles.begin(), ctx.roles.end(), "fileserver") != ctx.roles.end();
  auto fd = ctx.sys.spawn<caf::detached>(failure_detector_fn, ctx.cfg, ctx.id, ctx.roles,
                                         ctx.metrics, ctx.status, defer_join);
  ctx.membership = fd;
  ctx.keep(fd);
  admin_actor console = fd;
  ctx.commands["members"] = {"members", "gossip members: id, state, incarnation, last heard",
                             console};
  ctx.commands["bandwidth"] = {"bandwidth", "gossip bytes/packets sent and received", console};
  ctx.commands["reset-bandwidth"] = {"reset-bandwidth", "restart the bandwidth counters", console,
                                     true};
  ctx.commands["leave"] = {"leave", "leave the gossip group gracefully", console, true};
}

// One line on what keeps this node from running securely; empty if nothing (SECURITY.md).
std::string check_credentials(const config& cfg) {
  if (cfg.cluster.key.empty())
    return "cluster.key is empty: server roles need the cluster's shared secret (it "
           "authenticates gossip and multicast and signs tokens); generate one with "
           "`openssl rand -hex 32` and give every server the same";
  if (cfg.cluster.key.size() < 16) return "cluster.key is too short (at least 16 characters)";
  if (auto why = net::check_tls_files(cfg); !why.empty()) return why;
  try {
    auto me = pki::read_identity(pki::read_file(cfg.tls.cert));
    if (me.kind != principal_kind::server)
      return "tls.cert '" + cfg.tls.cert + "' is a " + to_string(me.kind) +
             " certificate; server roles need one issued with --kind server";
  } catch (const pki::pki_error& e) {
    return e.what();
  }
  return {};
}

// The request port (node.port + 4, actors/node/request_port.hpp): clients' requests to the node
// actor without CAF's hops. Mutual TLS always (like the control port), the control port's
// connection limits. Throws std::runtime_error when it cannot listen.
std::shared_ptr<net::data_server> start_request_port(const node_context& ctx,
                                                     const node_actor& node) {
  const auto& cfg = ctx.cfg;
  request_port_settings rs;
  rs.master = ctx.master;
  rs.master_fast_reads = ctx.master_fast_reads;
  rs.ftqueue = ctx.ftqueue;
  rs.ftqueue_fast = ctx.ftqueue_fast;
  rs.token_key = security::auth_token_key(cfg.cluster.key);
  rs.token_ttl_s = cfg.tls.token_ttl_s;
  rs.metrics = ctx.metrics;
  auto port = std::make_shared<request_port>(ctx.sys, node, rs);
  net::data_server_options o;
  o.host = cfg.node.host;
  o.port = cfg.request_port();
  o.cluster = net::cluster_id(cfg.cluster.name);
  o.timeout_ms = cfg.net.idle_timeout_ms;  // idle between requests; a request's own wait is
  o.max_connections = cfg.net.max_conns;   // the caller's timeout (request_port.cpp)
  o.max_per_address = cfg.net.max_conns_per_address;
  o.handshake_timeout_ms = cfg.net.handshake_timeout_ms;
  o.tls = std::make_shared<net::tls_context>(net::tls_files{cfg.tls.ca, cfg.tls.cert, cfg.tls.key},
                                             net::tls_side::server);
  auto server =
      std::make_shared<net::data_server>(o, [port](net::frame_conn& c) { port->serve(c); });
  server->start();
  return server;
}

}  // namespace

int run_server(const config& cfg, const std::vector<std::string>& roles) {
  if (auto why = check_credentials(cfg); !why.empty()) {
    std::cerr << "dfsnode: error: " << why << "\n";
    return 2;
  }
  std::vector<std::string> tightened;
  if (auto st = secure_data_dir(cfg.node.data_dir, tightened); !st) {
    std::cerr << "dfsnode: error: node.data_dir '" << cfg.node.data_dir << "': " << st.message
              << "\n";
    return 2;
  }
  int lock_fd = -1;  // held until the process ends: never closed
  if (auto st = lock_data_dir(cfg.node.data_dir, lock_fd); !st) {
    std::cerr << "dfsnode: error: node.data_dir '" << cfg.node.data_dir << "': " << st.message
              << "\n";
    return 2;
  }
  node_id id{cfg.node.host, cfg.node.port, wall_clock_ms()};
  log::init(cfg, id.to_string(), true);
  set_assert_node(id.to_string());
  auto log = log::get("main");
  if (!tightened.empty())
    log->warn("data_dir_permissions_tightened mode=0700 dirs=\"{}\"", join(tightened, ", "));

  // A durable fileserver must have room for its next image and log segment before it joins the
  // gossip group: joining and then failing would stall the queue group at every restart.
  if (std::find(roles.begin(), roles.end(), "fileserver") != roles.end() &&
      cfg.gcs.durability == "disk") {
    auto dir = cfg.node.data_dir + "/gcs";
    if (auto st = probe_gcs_room(dir, gcs_room_margin_bytes); !st) {
      auto line = "no room for the queue state in " + dir + " (" + st.message +
                  "): free space there, then start the fileserver again";
      log->critical("gcs_disk_failed error=\"{}\"", line);
      std::cerr << "dfsnode: error: " << line << "\n";
      log::shutdown();
      return 3;  // as a disk that fails while running (sequencer_effects.hpp)
    }
  }

  // Block the signals before CAF starts its threads, so only sigwait() below sees them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  caf::actor_system_config caf_cfg;
  configure_actor_system(caf_cfg, cfg, roles);
  caf::actor_system sys{caf_cfg};

  node_context ctx{sys, cfg, id, roles};
  start_membership(ctx);
  for (auto& r : roles) find_role(r)->start(ctx);
  start_metrics_port(ctx);  // unless a role serves the HTTP port already
  node_info info{id,
                 roles,
                 std::chrono::steady_clock::now(),
                 cfg.node.port,
                 cfg.data_port(),
                 cfg.multicast_port(),
                 cfg.http_port()};
  auto admin = sys.spawn(admin_fn, info, ctx.commands);
  ctx.keep(admin);
  gate_settings gate{cfg.cluster.key, cfg.tls.ca, id.to_string(), cfg.tls.token_ttl_s};
  auto node = sys.spawn(node_fn, gate, admin, ctx.master, ctx.ftqueue);
  ctx.keep(node);

  int code = 0;
  try {
    // In services: stopped (its threads joined) before the actors it asks go.
    ctx.services.push_back(start_request_port(ctx, node));
  } catch (const std::exception& e) {
    log->error("request_port_unusable addr={}:{} error=\"{}\"", cfg.node.host, cfg.request_port(),
               e.what());
    code = 1;
  }
  // cluster.discovery = multicast: answer clients' probes on the group (core/discovery).
  if (cfg.cluster.discovery == "multicast") {
    try {
      ctx.services.push_back(std::make_shared<net::discovery_responder>(
          cfg.cluster.multicast_group, discovery::packet_key(cfg.cluster.discovery_key),
          discovery::answer{cfg.node.host, cfg.node.port, discovery::role_bits(join(roles))}));
      log->info("discovery_answering group={}", cfg.cluster.multicast_group);
    } catch (const std::exception& e) {
      log->error("{}", e.what());
      code = 1;
    }
  }
  // CAF listens on loopback only; the gate owns the public port (net/control_gate.hpp).
  auto port = caf::openssl::publish(node, 0, "127.0.0.1", true);
  std::unique_ptr<net::control_gate> gate_port;
  if (code == 0 && port) {
    try {
      gate_port = std::make_unique<net::control_gate>(
          net::gate_options{cfg.node.host, cfg.node.port, *port, cfg.net.idle_timeout_ms,
                            cfg.net.handshake_timeout_ms, cfg.net.max_conns_per_address,
                            cfg.net.max_conns, ctx.metrics});
    } catch (const std::exception& e) {
      log->error("{}", e.what());
      code = 1;
    }
  } else if (code == 0) {
    log->error("cannot listen on loopback for the control port: {}", sys.render(port.error()));
    code = 1;
  }
  if (code == 0) {
    log->info("node_started roles={} control={}:{} data_dir={}", join(roles), cfg.node.host,
              cfg.node.port, cfg.node.data_dir);
    int sig = wait_for_signal(sigs);
    log->info("shutting_down signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
    gate_port->stop();
  }
  ctx.services.clear();  // the HTTP gateway: its handlers use the actors below
  for (auto i = ctx.actors.rbegin(); i != ctx.actors.rend(); ++i)
    caf::anon_send_exit(*i, caf::exit_reason::user_shutdown);
  ctx.actors.clear();
  ctx.master = nullptr;
  ctx.ftqueue = nullptr;
  admin = nullptr;
  node = nullptr;
  sys.await_all_actors_done();
  log->info("node_stopped");
  log::shutdown();
  return code;
}

}  // namespace dfs
