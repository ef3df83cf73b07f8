#include "actors/membership/failure_detector.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/membership/member_tables.hpp"
#include "common/logging.hpp"
#include "common/strings.hpp"
#include "proto/wire.hpp"

namespace dfs {

namespace {

using self_ptr = failure_detector_full::stateful_pointer<failure_detector_state>;
using membership::event_kind;

constexpr auto max_tick_delay = std::chrono::milliseconds(20);

member_event_kind to_msg_kind(event_kind k) {
  switch (k) {
    case event_kind::member_up:
      return member_event_kind::up;
    case event_kind::member_suspect:
      return member_event_kind::suspect;
    case event_kind::member_alive:
      return member_event_kind::alive;
    case event_kind::member_down:
      return member_event_kind::down;
    case event_kind::member_left:
      return member_event_kind::left;
  }
  return member_event_kind::up;
}

std::vector<std::string> roles_of(const membership::swim& swim, const node_id& id) {
  for (auto& m : swim.members())
    if (m.id == id) return split(m.meta);
  return {};
}

void publish(self_ptr self, const membership::member_event& e) {
  auto log = log::get("membership");
  auto lvl = (e.kind == event_kind::member_suspect || e.kind == event_kind::member_down)
                 ? spdlog::level::warn
                 : spdlog::level::info;
  log->log(lvl, "{} member={} inc={}", membership::to_string(e.kind), e.id.to_string(),
           e.incarnation);
  if (e.kind == event_kind::member_alive) self->state.observer->count_refuted_suspicion();
  member_event_msg msg{to_msg_kind(e.kind), e.id, e.incarnation, roles_of(*self->state.swim, e.id)};
  for (auto& l : self->state.listeners) self->send(l, member_event_atom::value, msg);
}

void carry_out(self_ptr self, membership::effects fx) {
  auto& st = self->state;
  for (auto& o : fx.send) {
    auto datagram = st.codec->encode(net::channel::membership, wire::encode(o.pkt));
    if (!datagram.empty()) st.socket->send_to(o.to, std::move(datagram));
  }
  for (auto& e : fx.events) publish(self, e);
}

void schedule_tick(self_ptr self) {
  auto now = core::clock::now();
  auto delay = std::clamp<core::duration>(self->state.swim->next_tick() - now,
                                          std::chrono::milliseconds(1), max_tick_delay);
  self->delayed_send(self, delay, tick_atom::value);
}

// Runs on the socket thread: authenticate, decode, hand over. Bad datagrams are counted.
net::udp_endpoint::receive_fn make_receiver(failure_detector_full handle,
                                            const net::packet_codec* codec,
                                            std::shared_ptr<drop_counters> drops) {
  return [handle, codec, drops](const endpoint& from, std::string datagram) {
    auto d = codec->decode(datagram);
    if (d.error != net::packet_error::none || d.ch != net::channel::membership) {
      ++drops->bad_frame;
      return;
    }
    membership::packet p;
    if (!wire::decode(d.payload, p)) {
      ++drops->bad_payload;
      return;
    }
    caf::anon_send(handle, dgram_atom::value, from, std::move(p));
  };
}

std::vector<endpoint> seeds_of(const config& cfg) {
  std::vector<endpoint> out;
  for (auto& s : cfg.cluster.introducers) out.push_back(*endpoint::parse(s));
  return out;
}

std::vector<member_event_msg> live_members(const membership::swim& swim) {
  std::vector<member_event_msg> out;
  for (auto& m : swim.members())
    if (m.state == membership::member_state::alive || m.state == membership::member_state::suspect)
      out.push_back({member_event_kind::up, m.id, m.incarnation, split(m.meta)});
  return out;
}

admin_reply admin_command(self_ptr self, const admin_request& req) {
  auto& st = self->state;
  const auto& cmd = req.args.at(0);
  if (cmd == "members") return {0, members_table(*st.swim, core::clock::now())};
  if (cmd == "bandwidth") return {0, bandwidth_table(st, core::clock::now())};
  if (cmd == "reset-bandwidth") {
    reset_bandwidth(st, core::clock::now());
    return {0, "bandwidth counters reset\n"};
  }
  if (cmd == "leave") {
    if (st.swim->leaving()) return {0, "already leaving\n"};
    log::get("membership")->info("leave_requested member={}", st.swim->self().to_string());
    carry_out(self, st.swim->leave(core::clock::now()));
    return {0, "leaving the cluster: the others will list this node as left\n"};
  }
  return {1, "the membership actor does not know the command '" + cmd + "'"};
}

// Starts gossip: the socket's thread, the join through the introducers, the protocol's ticks.
void join_group(self_ptr self, const config& cfg) {
  auto& st = self->state;
  if (st.joined) return;
  st.joined = true;
  auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(core::clock::now() - st.spawned);
  log::get("membership")
      ->info("gossip_join seeds={} deferred_ms={}", cfg.cluster.introducers.size(), waited.count());
  st.socket->start(
      make_receiver(caf::actor_cast<failure_detector_full>(self), st.codec.get(), st.drops));
  carry_out(self, st.swim->join(seeds_of(cfg), core::clock::now()));
  self->send(self, tick_atom::value);
}

}  // namespace

membership::membership_config membership_config_from(const config& cfg) {
  membership::membership_config m;
  m.protocol_period_ms = cfg.membership.protocol_period_ms;
  m.probe_timeout_ms = cfg.membership.probe_timeout_ms;
  m.indirect_probes = cfg.membership.indirect_probes;
  m.suspicion_min_ms = cfg.membership.suspicion_min_ms;
  m.suspicion_max_ms = cfg.membership.suspicion_max_ms;
  m.gossip_interval_ms = cfg.membership.gossip_interval_ms;
  m.gossip_fanout = cfg.membership.gossip_fanout;
  m.push_pull_interval_ms = cfg.membership.push_pull_interval_ms;
  return m;
}

failure_detector_full::behavior_type failure_detector_fn(self_ptr self, config cfg, node_id id,
                                                         std::vector<std::string> roles,
                                                         std::shared_ptr<net::metrics> metrics,
                                                         std::shared_ptr<net::status_board> status,
                                                         bool defer_join) {
  auto& st = self->state;
  st.observer = std::make_unique<membership_observer>(std::move(metrics), std::move(status));
  auto now = core::clock::now();
  st.roles = join(roles);
  st.swim = std::make_unique<membership::swim>(id, membership_config_from(cfg), id.incarnation, now,
                                               st.roles);
  st.codec = std::make_unique<net::packet_codec>(cfg.cluster.name, cfg.cluster.key);
  st.socket = std::make_shared<net::udp_endpoint>();
  st.reset_at = now;
  st.spawned = now;
  // Bound now, so that a port in use fails the start; served from the join on (datagrams that
  // come before wait in the socket, like any a busy node has not read yet).
  auto err = st.socket->bind(cfg.node.host, cfg.node.port);
  if (!err.empty()) {
    log::get("membership")->error("gossip_disabled reason=\"{}\"", err);
    st.joined = true;  // nothing to join with
  } else if (!defer_join) {
    join_group(self, cfg);
  }
  // The socket thread holds a handle to us: stop it when we exit, breaking the cycle.
  self->attach_functor([socket = st.socket] { socket->stop(); });
  return {
      [=](subscribe_atom, const membership_listener& l) {
        self->state.listeners.push_back(l);
        return live_members(*self->state.swim);
      },
      [=](join_atom) { join_group(self, cfg); },
      [=](dgram_atom, const endpoint& from, const membership::packet& p) {
        carry_out(self, self->state.swim->on_packet(from, p, core::clock::now()));
      },
      [=](tick_atom) {
        auto now = core::clock::now();
        auto& fd = self->state;
        carry_out(self, fd.swim->on_tick(now));
        fd.observer->on_tick(*fd.swim, *fd.socket, now);
        schedule_tick(self);
      },
      [=](admin_atom, const admin_request& req) { return admin_command(self, req); },
  };
}

}  // namespace dfs
