#include "actors/gcs/sequencer.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/gcs/sequencer_effects.hpp"
#include "actors/gcs/sequencer_inline.hpp"
#include "common/logging.hpp"

namespace dfs {

namespace {

bool has_fileserver_role(const std::vector<std::string>& roles) {
  for (auto& r : roles)  // tolerate "a,b" entries as well as one role per entry
    if (r == "fileserver" || r.find("fileserver") != std::string::npos) return true;
  return false;
}

void update_rate(sequencer_state& st, core::time_point now) {
  auto elapsed = now - st.rate_at;
  if (elapsed < std::chrono::seconds(1)) return;
  auto n = st.member->counters().deliveries;
  st.deliveries_per_s =
      static_cast<double>(n - st.rate_base) / std::chrono::duration<double>(elapsed).count();
  st.rate_base = n;
  st.rate_at = now;
}

void on_member_event(sequencer_self self, const member_event_msg& e) {
  auto& st = self->state;
  if (!has_fileserver_role(e.roles) || e.id.address() == st.self.address()) return;
  auto addr = e.id.address();
  bool gone = e.kind == member_event_kind::down || e.kind == member_event_kind::left;
  auto i = st.fileservers.find(addr);
  if (gone) {
    if (i == st.fileservers.end() || i->second != e.id) return;  // an older incarnation
    st.fileservers.erase(i);
  } else {
    if (i != st.fileservers.end() && i->second == e.id) return;
    if (i != st.fileservers.end() && e.id.incarnation < i->second.incarnation) return;
    st.fileservers[addr] = e.id;  // a restarted fileserver replaces its old incarnation
  }
  std::vector<node_id> alive{st.self};
  for (auto& [a, id] : st.fileservers) alive.push_back(id);
  std::sort(alive.begin(), alive.end());
  log::get("gcs")->info("membership {} member={} alive={}", gone ? "down" : "up", e.id.to_string(),
                        alive.size());
  carry_out(st, st.member->on_membership(std::move(alive), core::clock::now()), self);
}

caf::typed_response_promise<queue_reply> on_request(sequencer_self self, const queue_request& req) {
  auto promise = self->make_response_promise<queue_reply>();
  take_request(self->state, req, promise, self);
  return promise;
}

// Runs on the socket thread: authenticate, decode, reassemble, then handle the packets here
// between the actor's messages (sequencer_inline.hpp) or hand them to the actor.
// The socket's own callback: `socket` outlives it.
net::udp_endpoint::receive_fn make_receiver(sequencer_actor handle,
                                            std::shared_ptr<gcs_net::receiver> rx,
                                            std::shared_ptr<sequencer_inline> fast,
                                            net::udp_endpoint* socket) {
  return [handle, rx, fast, socket, replies = std::vector<std::string>{}](
             const endpoint& from, std::string datagram) mutable {
    auto r = rx->on_datagram(datagram, &replies);
    for (auto& d : replies) socket->send_to(from, std::move(d));  // fragments asked and asking
    replies.clear();
    if (!r) return;
    if (fast) {
      if (fast->packets(r->from, r->pkts)) return;
      fast->queued();
    }
    caf::anon_send(handle, gcs_dgram_atom::value, std::move(r->from), std::move(r->pkts));
  };
}

bool start_socket(sequencer_self self, const config& cfg) {
  auto& st = self->state;
  st.socket = std::make_shared<net::udp_endpoint>();
  auto err = st.socket->bind(cfg.node.host, cfg.multicast_port());
  if (!err.empty()) {
    log::get("gcs")->error("cannot bind multicast port {}:{}: {}", cfg.node.host,
                           cfg.multicast_port(), err);
    return false;
  }
  auto batch_end =
      st.fast ? [fast = st.fast] { fast->flush(); } : net::udp_endpoint::batch_end_fn{};
  st.socket->start(make_receiver(self, st.rx, st.fast, st.socket.get()), batch_end);
  // Stop the io thread when the actor ends: it holds a handle to us (a reference cycle).
  self->attach_functor([sock = st.socket] { sock->stop(); });
  return true;
}

void subscribe(sequencer_self self, failure_detector_actor membership) {
  if (!membership) {
    log::get("gcs")->warn("no failure detector on this node: the group stays a singleton");
    return;
  }
  membership_listener me = self;
  self->request(membership, caf::infinite, subscribe_atom::value, me)
      .then(
          [=](const std::vector<member_event_msg>& alive) {
            for (auto& e : alive) on_member_event(self, e);
          },
          [=](caf::error& e) {
            log::get("gcs")->error("membership subscription failed: {}", self->system().render(e));
          });
}

void start_group(sequencer_self self, const config& cfg, const gcs::gcs_config& gcfg,
                 failure_detector_actor membership) {
  auto& st = self->state;
  log::get("gcs")->info(
      "sequencer_started id={} multicast={}:{} expected_group_size={} "
      "bootstrap={}",
      st.self.to_string(), cfg.node.host, cfg.multicast_port(), gcfg.expected_group_size,
      gcfg.bootstrap ? 1 : 0);
  subscribe(self, membership);
  carry_out(st, st.member->on_membership({st.self}, core::clock::now()), self);
  self->send(self, tick_atom::value);
}

// Recovers the member from node.data_dir/gcs. A fileserver restarts as the member it was; one
// whose image has no installed primary view is as fresh as at the cluster's first start (a
// genesis member), as it would be had it never stopped.
void open_disk(sequencer_self self, const config& cfg, const node_id& id, gcs::gcs_config& gcfg) {
  auto& st = self->state;
  auto log = log::get("gcs");
  auto dir = cfg.node.data_dir + "/gcs";
  st.disk = std::make_unique<gcs_disk>(dir, sync_pacer(sync_pacer::us(cfg.gcs.sync_interval_us)));
  st.spare_wait = std::chrono::microseconds(cfg.gcs.spare_sync_us);
  gcs_recovery rec;
  // Starting without the state would forget acknowledged operations: refuse to start.
  if (auto s = st.disk->recover(rec); !s) gcs_disk_failed("unusable " + dir + ": " + s.message);
  for (auto& w : rec.warnings) log->warn("gcs_recovery {}", w);
  gcfg.bootstrap = !rec.has_image || rec.image.last_primary.id.empty();
  if (rec.has_image && !ftqueue::replica{}.restore(rec.image.snapshot))
    gcs_disk_failed(dir + "/image: the queue snapshot in it does not restore");
  if (rec.has_image) {
    log->info("gcs_recovered last_primary={} pending={} snapshot_seq={} entries={}",
              rec.image.last_primary.id.to_string(),
              rec.image.has_pending ? rec.image.pending.view.id.to_string() : "none",
              rec.image.snapshot_seq, rec.image.entries.size());
    st.member = std::make_unique<gcs::member>(id, gcfg, *st.app, &rec.image);
  } else {
    st.member = std::make_unique<gcs::member>(id, gcfg, *st.app);
  }
  // A weak handle: the writer thread must not keep its owner alive.
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  st.disk->start(
      [weak, fast = st.fast](uint64_t generation, uint64_t upto) {
        if (fast && fast->synced(generation, upto)) return;
        if (auto strong = weak.lock())
          caf::anon_send(caf::actor_cast<sequencer_actor>(strong), gcs_synced_atom::value,
                         generation, upto);
      },
      [](const std::string& why) { gcs_disk_failed(why); });
}

}  // namespace

gcs::gcs_config gcs_config_from(const config& cfg) {
  gcs::gcs_config g;
  g.expected_group_size = cfg.gcs.expected_group_size;
  g.max_unstable_msgs = cfg.gcs.max_unstable_msgs;
  g.max_queued_ops = cfg.gcs.max_queued_ops;
  g.durable = cfg.gcs.durability == "disk";
  g.checkpoint_every = cfg.gcs.checkpoint_every;
  g.max_order_batch = cfg.gcs.max_order_batch;
  g.status_interval_ms = core::milliseconds(cfg.gcs.status_interval_ms);
  g.nack_interval_ms = core::milliseconds(cfg.gcs.nack_interval_ms);
  g.view_retry_ms = core::milliseconds(cfg.gcs.view_retry_ms);
  g.view_timeout_ms = core::milliseconds(cfg.gcs.view_timeout_ms);
  g.suspect_after_ms = core::milliseconds(cfg.gcs.suspect_after_ms);
  // A snapshot must fit the fragment reassembly bound (gcs_transport.hpp), with room for the log.
  g.max_snapshot_bytes =
      static_cast<uint32_t>(gcs_net::max_fragments * gcs_net::fragment_bytes / 2);
  return g;
}

sequencer_actor::behavior_type sequencer_fn(sequencer_self self, config cfg, node_id id,
                                            gcs::gcs_config gcfg, failure_detector_actor membership,
                                            std::shared_ptr<net::metrics> metrics,
                                            std::shared_ptr<net::status_board> status) {
  auto& st = self->state;
  st.observer = std::make_unique<gcs_observer>(std::move(metrics), std::move(status));
  st.self = id;
  st.app = std::make_unique<ftqueue::replica>();
  if (gcfg.durable) {
    open_disk(self, cfg, id, gcfg);
  } else {
    st.member = std::make_unique<gcs::member>(id, gcfg, *st.app);
  }
  st.codec = std::make_shared<net::packet_codec>(cfg.cluster.name, cfg.cluster.key);
  st.fragments = std::make_shared<gcs_net::fragment_store>(*st.codec, id);
  st.rx = std::make_shared<gcs_net::receiver>(*st.codec, id, st.fragments);
  st.tick_interval = core::milliseconds(cfg.gcs.tick_interval_ms);
  st.rate_at = core::clock::now();
  // The node's gossip waits for the join (roles/server.cpp): the member is ready for a view
  // change (after the subscription: messages between two actors keep their order), or the node
  // serves its other roles without it.
  bool serving = start_socket(self, cfg);
  if (serving) start_group(self, cfg, gcfg, membership);
  if (membership) self->send(membership, join_atom::value);
  if (!serving) {
    st.socket = std::make_shared<net::udp_endpoint>();  // for the console until we are gone
    self->quit(caf::sec::runtime_error);
  }
  return {
      [=](queue_atom, const queue_request& req) { return on_request(self, req); },
      [=](admin_atom, const admin_request& req) -> caf::result<admin_reply> {
        return sequencer_console(self->state, req);
      },
      [=](member_event_atom, const member_event_msg& e) { on_member_event(self, e); },
      [=](gcs_synced_atom, uint64_t generation, uint64_t upto) {
        auto& sq = self->state;
        carry_out(sq, sq.member->on_synced(generation, upto, core::clock::now()), self);
      },
      [=](gcs_dgram_atom, const node_id& from, const std::vector<gcs::packet>& packets) {
        auto now = core::clock::now();
        auto& sq = self->state;
        for (auto& p : packets) carry_out(sq, sq.member->on_packet(from, p, now), self);
        if (sq.fast) sq.fast->dequeued();
      },
      [=](gcs_flush_atom) { flush_outbox(self->state); },
      [=](tick_atom) {
        auto now = core::clock::now();
        auto& sq = self->state;
        carry_out(sq, sq.member->on_tick(now), self);
        for (auto& [to, d] : sq.fragments->poke())  // a big packet whose fragments all got lost
          sq.socket->send_to({to.host, multicast_port_of(to.port)}, std::move(d));
        update_rate(sq, now);
        sq.observer->on_tick(*sq.member, *sq.app, *sq.socket, now);
        self->delayed_send(self, self->state.tick_interval, tick_atom::value);
      },
  };
}

}  // namespace dfs
