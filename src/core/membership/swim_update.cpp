// SWIM receive path: answering probes, serving ping-reqs, merging member lists and applying
// gossip with SWIM's precedence rules (see the state diagram in swim.hpp).
#include <algorithm>

#include "core/membership/swim.hpp"

namespace dfs::membership {

namespace {

bool is_live(member_state s) {
  return s == member_state::alive || s == member_state::suspect;
}

}  // namespace

effects swim::on_packet(const endpoint& from, const packet& p, time_point now) {
  effects fx;
  ++counters_.packets_received;
  if (auto it = members_.find(from); it != members_.end() && it->second.id == p.sender)
    it->second.last_heard = now;
  if (leaving_) {
    // Keep answering probes while the leave spreads, so nobody suspects us meanwhile; the acks
    // carry our `left` entry.
    if (p.kind == packet_kind::ping && p.target == self_) {
      packet a = make(packet_kind::ack);
      a.seq = p.seq;
      emit(fx, from, std::move(a));
    }
    return fx;
  }
  for (const auto& u : p.updates) apply(u, fx, now);
  learn_sender(p, fx, now);
  switch (p.kind) {
    case packet_kind::ping: {
      if (p.target != self_) {  // meant for an earlier run of this process: stay silent
        ++counters_.misdirected;
        break;
      }
      packet a = make(packet_kind::ack);
      a.seq = p.seq;
      emit(fx, from, std::move(a));
      ++counters_.acks_sent;
      break;
    }
    case packet_kind::ack:
    case packet_kind::indirect_ack:
      handle_ack(from, p, fx, now);
      break;
    case packet_kind::ping_req:
      handle_ping_req(from, p, fx, now);
      break;
    case packet_kind::join_request:
    case packet_kind::push_pull_request: {
      merge_state(p, fx, now);
      joined_ = true;  // somebody joined through us: we are part of a group
      packet r = make(p.kind == packet_kind::join_request ? packet_kind::join_reply
                                                          : packet_kind::push_pull_reply);
      r.state = full_state();
      emit(fx, from, std::move(r));
      break;
    }
    case packet_kind::join_reply:
    case packet_kind::push_pull_reply:
      merge_state(p, fx, now);
      joined_ = true;
      break;
    case packet_kind::gossip:
    case packet_kind::leave:
      break;
  }
  return fx;
}

// A sender we have never heard of (or a later run of a process we know) is evidently alive:
// learn it now rather than wait for gossip or the next push-pull, since its join news may have
// been retransmitted out before reaching us.
void swim::learn_sender(const packet& p, effects& fx, time_point now) {
  if (p.kind == packet_kind::leave || p.sender.empty() || p.sender.address() == self_.address())
    return;
  auto it = members_.find(p.sender.address());
  if (it == members_.end() || it->second.id.incarnation < p.sender.incarnation)
    apply(member_update{p.sender, member_state::alive, p.sender_incarnation, {}, p.sender_meta}, fx,
          now);
}

void swim::handle_ack(const endpoint&, const packet& p, effects& fx, time_point) {
  if (probe_.active && p.seq == probe_.seq) {
    if (!probe_.acked) ++counters_.acks_received;
    probe_.acked = true;
    return;
  }
  if (p.kind != packet_kind::ack) return;  // a late indirect ack: the period is over
  auto r = relays_.find(p.seq);
  if (r == relays_.end()) return;  // late, or a duplicate
  packet ia = make(packet_kind::indirect_ack);
  ia.seq = r->second.requester_seq;
  ia.target = p.sender;
  endpoint requester = r->second.requester;
  relays_.erase(r);
  emit(fx, requester, std::move(ia));
}

void swim::handle_ping_req(const endpoint& from, const packet& p, effects& fx, time_point now) {
  if (p.target == self_) {  // odd but harmless: answer for ourselves
    packet ia = make(packet_kind::indirect_ack);
    ia.seq = p.seq;
    ia.target = self_;
    emit(fx, from, std::move(ia));
    return;
  }
  if (relays_.size() >= cfg_.max_pending_relays) return;
  uint64_t seq = next_seq_++;
  relays_[seq] = relay{from, p.seq, now + std::chrono::milliseconds(cfg_.protocol_period_ms)};
  packet ping = make(packet_kind::ping);
  ping.seq = seq;
  ping.target = p.target;
  emit(fx, p.target.address(), std::move(ping));
  ++counters_.relays_served;
}

// A full member list (join, push-pull). Someone else's `dead` for a member we see as live only
// makes us suspect it (as memberlist does): after a partition each side holds the other dead,
// and a live member must get the chance to refute rather than be killed by old news.
void swim::merge_state(const packet& p, effects& fx, time_point now) {
  for (member_update u : p.state) {
    if (u.state == member_state::dead) {
      auto it = members_.find(u.id.address());
      if (it != members_.end() && it->second.id == u.id && is_live(it->second.state))
        u.state = member_state::suspect;
    }
    if (u.state == member_state::suspect && u.origin.empty()) u.origin = p.sender;
    apply(u, fx, now);
  }
}

void swim::apply(const member_update& u, effects& fx, time_point now) {
  if (u.id.empty()) return;
  endpoint addr = u.id.address();
  if (addr == self_.address()) {
    apply_about_self(u);
    return;
  }
  auto it = members_.find(addr);
  if (it != members_.end() && u.id.incarnation != it->second.id.incarnation) {
    if (u.id.incarnation < it->second.id.incarnation) {  // about an earlier run: ignore
      ++counters_.stale_updates;
      return;
    }
    // The process at this address restarted: its old id is dead at once.
    const member& old = it->second;
    if (is_live(old.state))
      fx.events.push_back(member_event{event_kind::member_down, old.id, old.incarnation});
    members_.erase(it);
    it = members_.end();
  }
  if (it == members_.end()) {
    add_member(u, fx, now);
    return;
  }
  member& m = it->second;
  if (!u.meta.empty()) m.meta = u.meta;
  if (!is_live(m.state) && is_live(u.state) && !queue_.contains(addr) &&
      (m.state == member_state::left || u.incarnation <= m.incarnation)) {
    // Someone still spreads alive/suspect news about a member we know is dead or gone: spread
    // what we know again, so that the laggards converge before they suspect it themselves.
    queue_.push(update_of(m));
  }
  switch (u.state) {
    case member_state::alive:
      on_alive(m, u, fx, now);
      break;
    case member_state::suspect:
      on_suspect(m, u, fx, now);
      break;
    case member_state::dead:
    case member_state::left:
      on_dead_or_left(m, u, fx, now);
      break;
  }
}

void swim::apply_about_self(const member_update& u) {
  if (u.id != self_) {  // an earlier run of this process, or (oddly) a later one
    ++counters_.stale_updates;
    return;
  }
  if (leaving_) return;
  if (u.state == member_state::alive) {
    if (u.incarnation > incarnation_) refute(u.incarnation);
    return;
  }
  // suspect / dead / left about us, and we are running: refute.
  if (u.incarnation >= incarnation_) {
    refute(u.incarnation);
  } else if (!queue_.contains(self_.address())) {
    // Old news about us still circulates: repeat our current (higher) counter.
    queue_.push(self_update(member_state::alive));
  }
}

void swim::refute(uint64_t at_least) {
  incarnation_ = at_least + 1;
  ++counters_.refutations;
  queue_.push(self_update(member_state::alive));
}

void swim::add_member(const member_update& u, effects& fx, time_point now) {
  if (members_.size() >= cfg_.max_members) {
    ++counters_.dropped_table_full;
    return;
  }
  member m;
  m.id = u.id;
  m.state = u.state;
  m.incarnation = u.incarnation;
  m.meta = u.meta;
  m.last_heard = now;
  m.state_since = now;
  // Dead or left members we never knew are remembered (so stale gossip cannot add them) but
  // announce nothing.
  if (is_live(u.state)) {
    fx.events.push_back(member_event{event_kind::member_up, u.id, u.incarnation});
    add_to_probe_order(u.id.address());
    queue_.push(u);
  }
  if (u.state == member_state::suspect) {
    m.suspectors.push_back(u.origin.empty() ? self_ : u.origin);
    fx.events.push_back(member_event{event_kind::member_suspect, u.id, u.incarnation});
  }
  members_.emplace(u.id.address(), std::move(m));
}

void swim::on_alive(member& m, const member_update& u, effects& fx, time_point now) {
  if (m.state == member_state::left || u.incarnation <= m.incarnation) return;
  member_state prev = m.state;
  m.state = member_state::alive;
  m.incarnation = u.incarnation;
  m.suspectors.clear();
  if (prev == member_state::suspect) {
    m.state_since = now;
    fx.events.push_back(member_event{event_kind::member_alive, m.id, m.incarnation});
  } else if (prev == member_state::dead) {
    m.state_since = now;
    fx.events.push_back(member_event{event_kind::member_up, m.id, m.incarnation});
    add_to_probe_order(m.id.address());
  }
  queue_.push(u);
}

void swim::on_suspect(member& m, const member_update& u, effects& fx, time_point now) {
  if (!is_live(m.state) || u.incarnation < m.incarnation) return;
  node_id origin = u.origin.empty() ? self_ : u.origin;
  if (m.state == member_state::alive) {
    m.state = member_state::suspect;
    m.incarnation = u.incarnation;
    m.state_since = now;
    m.suspectors.assign(1, origin);
    m.probed_since_suspect = false;
    fx.events.push_back(member_event{event_kind::member_suspect, m.id, m.incarnation});
    queue_.push(u);
    return;
  }
  // Already suspect: a new origin is an independent confirmation (shorter timeout); pass it on
  // so that the others count it too.
  m.incarnation = std::max(m.incarnation, u.incarnation);
  if (std::find(m.suspectors.begin(), m.suspectors.end(), origin) == m.suspectors.end()) {
    m.suspectors.push_back(origin);
    queue_.push(u);
  }
}

void swim::on_dead_or_left(member& m, const member_update& u, effects& fx, time_point now) {
  if (m.state == member_state::left) return;  // final
  member_state prev = m.state;
  if (u.state == member_state::left) {
    // Only the member itself announces `left`, so it wins whatever the counter.
    m.state = member_state::left;
    m.incarnation = std::max(m.incarnation, u.incarnation);
    m.state_since = now;
    m.suspectors.clear();
    if (is_live(prev))
      fx.events.push_back(member_event{event_kind::member_left, m.id, m.incarnation});
    queue_.push(u);
    return;
  }
  if (prev == member_state::dead) {
    m.incarnation = std::max(m.incarnation, u.incarnation);
    return;
  }
  if (u.incarnation < m.incarnation) return;  // refuted already
  m.state = member_state::dead;
  m.incarnation = u.incarnation;
  m.state_since = now;
  m.suspectors.clear();
  fx.events.push_back(member_event{event_kind::member_down, m.id, m.incarnation});
  queue_.push(u);
}

member_update swim::update_of(const member& m) const {
  member_update u{m.id, m.state, m.incarnation, {}, m.meta};
  if (m.state == member_state::suspect) u.origin = m.suspectors.empty() ? self_ : m.suspectors[0];
  return u;
}

}  // namespace dfs::membership
