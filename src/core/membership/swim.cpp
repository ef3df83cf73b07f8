// SWIM timers: probing, suspicion expiry, dissemination, anti-entropy, join and leave.
// Receiving packets and applying gossip is in swim_update.cpp.
#include "core/membership/swim.hpp"

#include <algorithm>
#include <cmath>

namespace dfs::membership {

namespace {

duration ms(uint64_t n) {
  return std::chrono::milliseconds(n);
}

bool is_live(member_state s) {
  return s == member_state::alive || s == member_state::suspect;
}

// Next firing of a periodic timer; skips missed periods instead of firing in a burst.
time_point advance(time_point at, duration period, time_point now) {
  at += period;
  return at > now ? at : now + period;
}

}  // namespace

const char* to_string(event_kind k) {
  switch (k) {
    case event_kind::member_up:
      return "member_up";
    case event_kind::member_suspect:
      return "member_suspect";
    case event_kind::member_alive:
      return "member_alive";
    case event_kind::member_down:
      return "member_down";
    case event_kind::member_left:
      return "member_left";
  }
  return "?";
}

swim::swim(node_id self, membership_config cfg, uint64_t seed, time_point now, std::string meta)
    : self_(std::move(self)), meta_(std::move(meta)), cfg_(cfg), rng_(seed), started_at_(now) {
  // Random phases: members started together must not probe and gossip in lock step.
  auto phase = [&](uint32_t period_ms) {
    return now + ms(std::uniform_int_distribution<uint32_t>(0, period_ms)(rng_));
  };
  next_probe_at_ = phase(cfg_.protocol_period_ms);
  next_gossip_at_ = phase(cfg_.gossip_interval_ms);
  next_push_pull_at_ = phase(cfg_.push_pull_interval_ms) + ms(cfg_.push_pull_interval_ms);
  next_reconnect_at_ = phase(cfg_.reconnect_interval_ms) + ms(cfg_.reconnect_interval_ms);
  join_deadline_ = now;
}

effects swim::join(std::vector<endpoint> seeds, time_point now) {
  effects fx;
  seeds_.clear();
  for (auto& s : seeds)
    if (s != self_.address() && std::find(seeds_.begin(), seeds_.end(), s) == seeds_.end())
      seeds_.push_back(std::move(s));
  join_index_ = 0;
  joined_ = seeds_.empty();  // no one else to ask: we are the first member
  if (!joined_) send_join(fx, now);
  return fx;
}

void swim::send_join(effects& fx, time_point now) {
  const endpoint& to = seeds_[join_index_++ % seeds_.size()];
  packet p = make(packet_kind::join_request);
  p.state.push_back(self_update(member_state::alive));
  emit(fx, to, std::move(p));
  ++counters_.join_attempts;
  join_deadline_ = now + ms(cfg_.join_timeout_ms);
}

effects swim::leave(time_point now) {
  effects fx;
  if (leaving_) return fx;
  leaving_ = true;
  queue_.push(self_update(member_state::left));
  for (member* m : pick(cfg_.gossip_fanout, endpoint{}, pick_mode::alive_only, now))
    emit(fx, m->id.address(), make(packet_kind::leave));
  return fx;
}

bool swim::leave_done() const {
  return leaving_ && !queue_.contains(self_.address());
}

effects swim::on_tick(time_point now) {
  effects fx;
  if (!leaving_) {
    if (!joined_ && !seeds_.empty() && now >= join_deadline_) send_join(fx, now);
    if (now >= next_probe_at_) {
      finish_probe(fx, now);
      start_probe(fx, now);
      next_probe_at_ = advance(next_probe_at_, ms(cfg_.protocol_period_ms), now);
    }
    if (probe_.active && !probe_.acked && !probe_.indirect_sent &&
        now >= probe_.sent_at + ms(cfg_.probe_timeout_ms))
      send_indirect(fx, now);
    expire_suspicions(fx, now);
    if (now >= next_push_pull_at_) {
      push_pull(fx, now);
      next_push_pull_at_ = advance(next_push_pull_at_, ms(cfg_.push_pull_interval_ms), now);
    }
    if (now >= next_reconnect_at_) {
      reconnect(fx, now);
      next_reconnect_at_ = advance(next_reconnect_at_, ms(cfg_.reconnect_interval_ms), now);
    }
    reap(now);
  }
  if (now >= next_gossip_at_) {
    gossip(fx, now);
    next_gossip_at_ = advance(next_gossip_at_, ms(cfg_.gossip_interval_ms), now);
  }
  return fx;
}

time_point swim::next_tick() const {
  time_point t = next_gossip_at_;
  if (leaving_) return t;
  t = std::min({t, next_probe_at_, next_push_pull_at_, next_reconnect_at_});
  if (!joined_ && !seeds_.empty()) t = std::min(t, join_deadline_);
  if (probe_.active && !probe_.acked && !probe_.indirect_sent)
    t = std::min(t, probe_.sent_at + ms(cfg_.probe_timeout_ms));
  size_t live = live_count();
  for (const auto& [addr, m] : members_) {
    if (m.state == member_state::suspect)
      t = std::min(t, m.state_since + timeout_for(m.suspectors.size() - 1, live));
    else if (!is_live(m.state))
      t = std::min(t, m.state_since + ms(cfg_.dead_retention_ms));
  }
  return t;
}

// End of a protocol period: a probe that got no ack, direct or indirect, makes its target
// suspect (or confirms our suspicion of it).
void swim::finish_probe(effects& fx, time_point now) {
  if (!probe_.active) return;
  probe_.active = false;
  if (probe_.acked) return;
  auto it = members_.find(probe_.addr);
  if (it == members_.end() || it->second.id != probe_.target || !is_live(it->second.state)) return;
  const member& m = it->second;
  ++counters_.suspects_raised;
  apply(member_update{m.id, member_state::suspect, m.incarnation, self_, m.meta}, fx, now);
  // Tell the suspect at once so it can refute before the timeout (Lifeguard's buddy system);
  // emit() puts the suspicion first in any packet to a suspect member.
  emit(fx, probe_.addr, make(packet_kind::gossip));
}

void swim::start_probe(effects& fx, time_point now) {
  member* m = next_probe_target();
  if (m == nullptr) return;
  if (m->state == member_state::suspect) m->probed_since_suspect = true;
  probe_ = probe{true, false, false, m->id.address(), m->id, next_seq_++, now};
  packet p = make(packet_kind::ping);
  p.seq = probe_.seq;
  p.target = probe_.target;
  emit(fx, probe_.addr, std::move(p));
  ++counters_.pings_sent;
}

// A suspect we have not probed since it became suspect goes first: our probe either confirms
// the suspicion (shortening the timeout everywhere) or carries it to the member, whose ack then
// carries the refutation back. Otherwise: shuffled round robin over live members.
swim::member* swim::next_probe_target() {
  for (auto& [addr, m] : members_)
    if (m.state == member_state::suspect && !m.probed_since_suspect) return &m;
  for (int pass = 0; pass < 2; ++pass) {
    while (probe_index_ < probe_order_.size()) {
      auto it = members_.find(probe_order_[probe_index_++]);
      if (it != members_.end() && is_live(it->second.state)) return &it->second;
    }
    probe_order_.clear();
    for (const auto& [addr, m] : members_)
      if (is_live(m.state)) probe_order_.push_back(addr);
    std::shuffle(probe_order_.begin(), probe_order_.end(), rng_);
    probe_index_ = 0;
  }
  return nullptr;
}

void swim::add_to_probe_order(const endpoint& addr) {
  // A random position among those not yet probed this round (as memberlist does), so a new
  // member is probed within one round without disturbing the order of the others.
  size_t lo = std::min(probe_index_, probe_order_.size());
  size_t pos = std::uniform_int_distribution<size_t>(lo, probe_order_.size())(rng_);
  probe_order_.insert(probe_order_.begin() + static_cast<std::ptrdiff_t>(pos), addr);
}

void swim::send_indirect(effects& fx, time_point now) {
  probe_.indirect_sent = true;
  for (member* h : pick(cfg_.indirect_probes, probe_.addr, pick_mode::alive_only, now)) {
    packet p = make(packet_kind::ping_req);
    p.seq = probe_.seq;
    p.target = probe_.target;
    emit(fx, h->id.address(), std::move(p));
    ++counters_.ping_reqs_sent;
  }
  // Also a second direct ping: under loss the first ping or its ack was most likely just dropped.
  packet p = make(packet_kind::ping);
  p.seq = probe_.seq;
  p.target = probe_.target;
  emit(fx, probe_.addr, std::move(p));
  ++counters_.pings_sent;
}

void swim::expire_suspicions(effects& fx, time_point now) {
  std::vector<member_update> dead;
  size_t live = live_count();
  for (const auto& [addr, m] : members_)
    if (m.state == member_state::suspect &&
        now >= m.state_since + timeout_for(m.suspectors.size() - 1, live))
      dead.push_back(member_update{m.id, member_state::dead, m.incarnation, {}, m.meta});
  for (const auto& u : dead) {
    ++counters_.deaths_declared;
    apply(u, fx, now);
  }
}

duration swim::suspicion_timeout(size_t confirmations) const {
  return timeout_for(confirmations, live_count());
}

// Lifeguard: timeout = max - (max - min) * log(C + 1) / log(K + 1), at least min, where C is
// the number of independent confirmations and K the number expected. min grows with log10 N so
// that gossip (and the suspect's refutation) has time to reach everybody in larger groups.
duration swim::timeout_for(size_t confirmations, size_t live) const {
  double n = static_cast<double>(std::max<size_t>(live, 1));
  double min_ms =
      std::max<double>(cfg_.suspicion_min_ms, cfg_.suspicion_mult * std::max(1.0, std::log10(n)) *
                                                  cfg_.protocol_period_ms);
  double max_ms = std::max<double>(min_ms, cfg_.suspicion_max_ms);
  size_t k = cfg_.suspicion_confirmations;
  if (live < k + 2) k = live > 2 ? live - 2 : 0;  // small groups cannot confirm much
  double t = min_ms;
  if (k > 0) {
    double frac = std::log(static_cast<double>(confirmations) + 1) / std::log(double(k) + 1);
    t = std::max(min_ms, max_ms - (max_ms - min_ms) * frac);
  }
  return std::chrono::duration_cast<duration>(std::chrono::duration<double, std::milli>(t));
}

void swim::gossip(effects& fx, time_point now) {
  auto mode = leaving_ ? pick_mode::alive_only : pick_mode::gossip_targets;
  for (member* m : pick(cfg_.gossip_fanout, endpoint{}, mode, now)) {
    packet p = make(packet_kind::gossip);
    fill(p, m->id.address());
    if (p.updates.empty()) continue;  // nothing to say: gossip costs nothing when quiet
    ++counters_.gossip_sent;
    emit(fx, m->id.address(), std::move(p), false);
  }
}

void swim::push_pull(effects& fx, time_point now) {
  auto targets = pick(1, endpoint{}, pick_mode::alive_only, now);
  if (targets.empty()) return;
  packet p = make(packet_kind::push_pull_request);
  p.state = full_state();
  ++counters_.push_pulls_sent;
  emit(fx, targets.front()->id.address(), std::move(p));
}

// Heal partitions: ping a random dead member (our piggybacked "you are dead" makes a live one
// refute, and its ack tells us if it holds us dead) or send a join request to a seed we do not
// see, in case the groups forgot each other (longer than dead_retention_ms).
void swim::reconnect(effects& fx, time_point) {
  std::vector<endpoint> candidates;
  for (const auto& [addr, m] : members_)
    if (m.state == member_state::dead) candidates.push_back(addr);
  size_t dead = candidates.size();
  for (const auto& s : seeds_)
    if (members_.count(s) == 0) candidates.push_back(s);
  if (candidates.empty()) return;
  size_t i = std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(rng_);
  if (i < dead) {
    packet p = make(packet_kind::ping);
    p.seq = next_seq_++;  // not tracked: the piggyback does the work
    p.target = members_.at(candidates[i]).id;
    emit(fx, candidates[i], std::move(p));
    ++counters_.pings_sent;
  } else {
    packet p = make(packet_kind::join_request);
    p.state.push_back(self_update(member_state::alive));
    emit(fx, candidates[i], std::move(p));
    ++counters_.join_attempts;
  }
}

void swim::reap(time_point now) {
  for (auto it = members_.begin(); it != members_.end();) {
    const member& m = it->second;
    if (!is_live(m.state) && now >= m.state_since + ms(cfg_.dead_retention_ms))
      it = members_.erase(it);
    else
      ++it;
  }
  for (auto it = relays_.begin(); it != relays_.end();)
    it = now >= it->second.expires ? relays_.erase(it) : std::next(it);
}

// Piggyback: first what we believe about the receiver itself if it is suspect or dead (so a
// live member learns it must refute), then queued updates, fewest transmissions first.
void swim::fill(packet& p, const endpoint& to) {
  auto it = members_.find(to);
  if (it != members_.end() &&
      (it->second.state == member_state::suspect || it->second.state == member_state::dead))
    p.updates.push_back(update_of(it->second));
  size_t room = cfg_.max_piggyback - std::min<size_t>(cfg_.max_piggyback, p.updates.size());
  auto more = queue_.take(room, retransmit_limit(), to);
  p.updates.insert(p.updates.end(), more.begin(), more.end());
}

void swim::emit(effects& fx, const endpoint& to, packet p, bool piggyback) {
  if (piggyback) fill(p, to);
  ++counters_.packets_sent;
  counters_.updates_sent += p.updates.size();
  fx.send.push_back(outbound{to, std::move(p)});
}

packet swim::make(packet_kind kind) const {
  packet p;
  p.kind = kind;
  p.sender = self_;
  p.sender_incarnation = incarnation_;
  p.sender_meta = meta_;
  return p;
}

std::vector<member_update> swim::full_state() const {
  std::vector<member_update> out;
  out.reserve(members_.size() + 1);
  out.push_back(self_update(leaving_ ? member_state::left : member_state::alive));
  for (const auto& [addr, m] : members_)
    out.push_back(member_update{m.id, m.state, m.incarnation, {}, m.meta});
  return out;
}

std::vector<swim::member*> swim::pick(size_t n, const endpoint& exclude, pick_mode mode,
                                      time_point now) {
  std::vector<member*> c;
  for (auto& [addr, m] : members_) {
    if (addr == exclude) continue;
    bool ok = mode == pick_mode::alive_only
                  ? m.state == member_state::alive
                  : is_live(m.state) || (m.state == member_state::dead &&
                                         now < m.state_since + ms(cfg_.gossip_to_dead_ms));
    if (ok) c.push_back(&m);
  }
  // Partial Fisher-Yates: the first n are a uniform random sample.
  n = std::min(n, c.size());
  for (size_t i = 0; i < n; ++i)
    std::swap(c[i], c[std::uniform_int_distribution<size_t>(i, c.size() - 1)(rng_)]);
  c.resize(n);
  return c;
}

uint32_t swim::retransmit_limit() const {
  double n = static_cast<double>(live_count());
  return cfg_.retransmit_mult * static_cast<uint32_t>(std::ceil(std::log10(n + 1)));
}

size_t swim::live_count() const {
  size_t n = leaving_ ? 0 : 1;
  for (const auto& [addr, m] : members_) n += is_live(m.state) ? 1 : 0;
  return n;
}

std::vector<member_info> swim::members() const {
  std::vector<member_info> out;
  out.push_back(member_info{self_, leaving_ ? member_state::left : member_state::alive,
                            incarnation_, started_at_, self_.address(), meta_});
  for (const auto& [addr, m] : members_)
    out.push_back(member_info{m.id, m.state, m.incarnation, m.last_heard, addr, m.meta});
  return out;
}

}  // namespace dfs::membership
