#include "core/replog/node.hpp"

#include <algorithm>

#include "common/assert.hpp"

namespace dfs::replog {

const char* to_string(entry_kind k) {
  switch (k) {
    case entry_kind::data:
      return "data";
    case entry_kind::noop:
      return "noop";
    case entry_kind::config:
      return "config";
  }
  return "?";
}

const char* to_string(message_kind k) {
  switch (k) {
    case message_kind::vote_request:
      return "vote_request";
    case message_kind::vote_reply:
      return "vote_reply";
    case message_kind::append:
      return "append";
    case message_kind::append_reply:
      return "append_reply";
    case message_kind::snapshot:
      return "snapshot";
    case message_kind::snapshot_reply:
      return "snapshot_reply";
    case message_kind::timeout_now:
      return "timeout_now";
  }
  return "?";
}

const char* to_string(role r) {
  switch (r) {
    case role::follower:
      return "follower";
    case role::pre_candidate:
      return "pre_candidate";
    case role::candidate:
      return "candidate";
    case role::leader:
      return "leader";
    case role::learner:
      return "learner";
  }
  return "?";
}

const char* to_string(propose_status s) {
  switch (s) {
    case propose_status::ok:
      return "ok";
    case propose_status::not_leader:
      return "not_leader";
    case propose_status::overloaded:
      return "overloaded";
    case propose_status::too_large:
      return "too_large";
    case propose_status::transferring:
      return "transferring";
  }
  return "?";
}

const char* to_string(transfer_status s) {
  switch (s) {
    case transfer_status::started:
      return "started";
    case transfer_status::not_leader:
      return "not_leader";
    case transfer_status::single_master:
      return "single_master";
    case transfer_status::unknown_target:
      return "unknown_target";
    case transfer_status::not_a_voter:
      return "not_a_voter";
    case transfer_status::self_target:
      return "self_target";
  }
  return "?";
}

durable_state fresh_disk(const std::vector<endpoint>& masters, bool bootstrap,
                         uint64_t incarnation) {
  durable_state d;
  if (bootstrap) {
    d.hard.incarnation = 0;
    for (const auto& m : masters) d.snapshot.config.voters.push_back(voter{m, 0});
  } else {
    DFS_ASSERT(incarnation > 0, "a non-genesis disk needs an incarnation above the genesis one");
    d.hard.incarnation = incarnation;
  }
  return d;
}

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

node::node(node_config cfg, state_machine& app, const durable_state& disk, time_point now)
    : cfg_(std::move(cfg)), app_(app), rng_(cfg_.seed), hard_(disk.hard), snap_(disk.snapshot) {
  snap_data_ = disk.snapshot_data;
  if (snap_.index > 0 || !snap_data_.empty()) restored_ok_ = app_.restore(snap_data_);
  // Synced entries continue the snapshot; anything else is not ours to trust.
  for (const auto& e : disk.log) {
    if (e.index <= snap_.index) continue;
    if (e.index != last_index() + 1) break;
    log_.push_back(e);
  }
  commit_ = applied_ = snap_.index;
  persisted_ = last_index();
  commit_ = std::max(commit_, std::min(hard_.commit, last_index()));
  refresh_config();
  reset_election_timer(now);
  if (hard_.term > 0) restart_lease_until_ = now + cfg_.election_timeout_ms;
}

role node::current_role() const {
  if (role_ == role::follower && !is_voter()) return role::learner;
  return role_;
}

void node::reset_election_timer(time_point now) {
  const auto base = cfg_.election_timeout_ms.count();
  const auto jitter = base > 0 ? static_cast<int64_t>(splitmix64(rng_) % uint64_t(base)) : 0;
  election_deadline_ = now + milliseconds(base + jitter);
}

void node::persist_hard(effects& fx) {
  fx.hard = hard_;
}

void node::send(const endpoint& to, message m, effects& fx) {
  m.incarnation = hard_.incarnation;
  if (m.term == 0) m.term = hard_.term;
  fx.send.push_back(outbound{to, std::move(m)});
}

uint64_t node::last_term() const {
  return log_.empty() ? snap_.term : log_.back().term;
}

bool node::log_up_to_date(uint64_t index, uint64_t term) const {
  return term > last_term() || (term == last_term() && index >= last_index());
}

bool node::quorum(const std::function<bool(const voter&)>& counts) const {
  auto majority = [&](const configuration& c) {
    if (c.voters.empty()) return false;
    size_t n = 0;
    for (const auto& v : c.voters) n += counts(v) ? 1 : 0;
    return n * 2 > c.voters.size();
  };
  if (!majority(latest_)) return false;
  return config_committed() || majority(previous_);
}

bool node::granted(const voter& v) const {
  auto i = votes_.find(v.address);
  return i != votes_.end() && i->second == v.incarnation;
}

bool node::in_lease(time_point now) const {
  if (role_ == role::leader || now < restart_lease_until_) return true;
  return heard_leader_ && now - leader_heard_at_ < cfg_.election_timeout_ms;
}

bool node::read_lease(time_point now) const {
  if (role_ != role::leader || transferring() || lease_void_term_ == hard_.term) return false;
  // Until an entry of our term commits, earlier terms' committed tail may not be applied here.
  if (term_at(commit_) != hard_.term || applied_ < commit_) return false;
  const auto lease =
      std::chrono::duration_cast<duration>(cfg_.election_timeout_ms * lease_fraction);
  return quorum([&](const voter& v) {
    if (v.address == cfg_.self) return v.incarnation == hard_.incarnation;
    auto i = peers_.find(v.address);
    return i != peers_.end() && i->second.incarnation == v.incarnation &&
           i->second.acked_send != time_point{} && now < i->second.acked_send + lease;
  });
}

// Adopt `term` (if newer) and follow `leader` (empty: unknown). A term learned from a leader's
// message is recorded as a vote for that leader: this node will not vote for anybody else in a
// term that already has a leader (the rule that lets a readmitted disk vote safely, README.md).
void node::become_follower(uint64_t term, const endpoint& leader, uint64_t leader_inc,
                           time_point now, effects& fx) {
  DFS_ASSERT(term >= hard_.term, "terms never go back");
  const bool new_term = term > hard_.term;
  if (new_term) {
    hard_.term = term;
    hard_.voted_for = leader;
    hard_.voted_incarnation = leader_inc;
    persist_hard(fx);
  }
  if (role_ == role::leader) {
    peers_.clear();
    transfer_to_ = endpoint{};
    fx.events.push_back("stepped_down term=" + std::to_string(hard_.term));
  }
  if (new_term || leader_ != leader || leader_incarnation_ != leader_inc) {
    leader_match_ = 0;
    leader_echo_ = 0;
  }
  role_ = role::follower;
  leader_ = leader;
  leader_incarnation_ = leader_inc;
  votes_.clear();
  if (!leader.host.empty() || leader.port != 0) {
    heard_leader_ = true;
    leader_heard_at_ = now;
    reset_election_timer(now);
  }
}

void node::step_down(const char* why, effects& fx) {
  fx.events.push_back(std::string("stepped_down term=") + std::to_string(hard_.term) + " " + why);
  peers_.clear();
  transfer_to_ = endpoint{};
  role_ = role::follower;
  leader_ = endpoint{};
  leader_incarnation_ = 0;
  heard_leader_ = false;
}

void node::start_pre_vote(time_point now, effects& fx) {
  role_ = role::pre_candidate;
  leader_ = endpoint{};
  heard_leader_ = false;
  votes_.clear();
  votes_[cfg_.self] = hard_.incarnation;
  reset_election_timer(now);
  ++counters_.pre_votes;
  if (quorum([&](const voter& v) { return granted(v); })) return campaign(now, fx);
  for (const auto& a : cfg_.masters) {
    if (a == cfg_.self) continue;
    message m;
    m.kind = message_kind::vote_request;
    m.term = hard_.term + 1;  // the term it would campaign in; ours does not change
    m.pre_vote = true;
    m.last_index = last_index();
    m.last_term = last_term();
    send(a, std::move(m), fx);
  }
}

// `forced`: started by the leader's timeout_now (a handover): the vote requests carry the transfer
// flag, which voters honour although they heard a leader within t.
void node::campaign(time_point now, effects& fx, bool forced) {
  role_ = role::candidate;
  ++hard_.term;
  hard_.voted_for = cfg_.self;
  hard_.voted_incarnation = hard_.incarnation;
  persist_hard(fx);  // before the requests leave (contract step 1)
  leader_match_ = 0;
  votes_.clear();
  votes_[cfg_.self] = hard_.incarnation;
  reset_election_timer(now);
  ++counters_.elections;
  fx.events.push_back("campaign term=" + std::to_string(hard_.term) + (forced ? " transfer" : ""));
  if (quorum([&](const voter& v) { return granted(v); })) return become_leader(now, fx);
  for (const auto& a : cfg_.masters) {
    if (a == cfg_.self) continue;
    message m;
    m.kind = message_kind::vote_request;
    m.granted = forced;  // the transfer flag
    m.last_index = last_index();
    m.last_term = last_term();
    send(a, std::move(m), fx);
  }
}

void node::become_leader(time_point now, effects& fx) {
  role_ = role::leader;
  leader_ = cfg_.self;
  leader_incarnation_ = hard_.incarnation;
  leader_since_ = now;
  ++counters_.leaderships;
  peers_.clear();
  transfer_to_ = endpoint{};
  for (const auto& a : cfg_.masters) {
    if (a == cfg_.self) continue;
    peer_progress p;
    p.address = a;
    auto v = votes_.find(a);
    p.incarnation = v == votes_.end() ? 0 : v->second;
    p.next = last_index() + 1;
    p.last_heard = now;
    peers_[a] = p;
  }
  fx.events.push_back("became_leader term=" + std::to_string(hard_.term));
  // A no-op of our term: entries of earlier terms commit only under one of the current term.
  entry e;
  e.index = last_index() + 1;
  e.term = hard_.term;
  e.kind = entry_kind::noop;
  append_local({e}, 0, fx);
  for (auto& [a, p] : peers_) send_append(p, now, fx);
}

void node::handle_vote_request(const endpoint& from, const message& m, time_point now,
                               effects& fx) {
  message r;
  r.kind = message_kind::vote_reply;
  r.pre_vote = m.pre_vote;
  const bool up_to_date = log_up_to_date(m.last_index, m.last_term);
  if (m.pre_vote) {
    // Nothing changes here: a pre-vote only asks "would you vote for me in m.term?". Refused
    // while we hear a leader, so a node rejoining from a partition cannot unseat a healthy one.
    r.granted = m.term > hard_.term && up_to_date && !in_lease(now) && is_voter();
    r.term = r.granted ? m.term : hard_.term;
    return send(from, std::move(r), fx);
  }
  if (m.term > hard_.term) {
    // A leader is alive: do not let this term disturb it -- unless that leader handed over.
    const bool transfer = m.granted;
    if (in_lease(now) && !transfer) return;
    become_follower(m.term, endpoint{}, 0, now, fx);
  }
  if (m.term == hard_.term && role_ != role::leader && is_voter() && up_to_date) {
    const bool free = hard_.voted_for == endpoint{} ||
                      (hard_.voted_for == from && hard_.voted_incarnation == m.incarnation);
    if (free) {
      hard_.voted_for = from;
      hard_.voted_incarnation = m.incarnation;
      persist_hard(fx);  // before the reply leaves (contract step 1)
      r.granted = true;
      role_ = role::follower;
      reset_election_timer(now);
    }
  }
  send(from, std::move(r), fx);
}

void node::handle_vote_reply(const endpoint& from, const message& m, time_point now, effects& fx) {
  if (m.term > hard_.term && !(m.pre_vote && m.granted)) {
    become_follower(m.term, endpoint{}, 0, now, fx);
    return;
  }
  auto counted = [&](const voter& v) { return granted(v); };
  if (m.pre_vote && role_ == role::pre_candidate && m.granted && m.term == hard_.term + 1) {
    votes_[from] = m.incarnation;
    if (quorum(counted)) campaign(now, fx);
  } else if (!m.pre_vote && role_ == role::candidate && m.granted && m.term == hard_.term) {
    votes_[from] = m.incarnation;
    if (quorum(counted)) become_leader(now, fx);
  }
}

// The leader of our term hands over to us: campaign now, without a pre-vote (the others would
// refuse it while they hear that leader).
void node::handle_timeout_now(const endpoint& from, const message& m, time_point now, effects& fx) {
  if (m.term != hard_.term || role_ != role::follower || from != leader_ ||
      m.incarnation != leader_incarnation_ || !is_voter())
    return;
  ++counters_.transfer_campaigns;
  fx.events.push_back("timeout_now from=" + from.to_string() + " term=" + std::to_string(m.term));
  campaign(now, fx, true);
}

effects node::on_message(const endpoint& from, const message& m, time_point now) {
  effects fx;
  if (from == cfg_.self) return fx;
  // A disk of this address older than the one the configuration names was wiped: whatever it
  // still has in flight speaks for a state that no longer exists.
  if (const voter* v = latest_.find(from); v != nullptr && m.incarnation < v->incarnation) {
    ++counters_.stale_incarnation_drops;
    return fx;
  }
  switch (m.kind) {
    case message_kind::vote_request:
      handle_vote_request(from, m, now, fx);
      break;
    case message_kind::vote_reply:
      handle_vote_reply(from, m, now, fx);
      break;
    case message_kind::append:
      handle_append(from, m, now, fx);
      break;
    case message_kind::snapshot:
      handle_snapshot(from, m, now, fx);
      break;
    case message_kind::append_reply:
      handle_append_reply(from, m, now, fx);
      break;
    case message_kind::snapshot_reply:
      handle_snapshot_reply(from, m, now, fx);
      break;
    case message_kind::timeout_now:
      handle_timeout_now(from, m, now, fx);
      break;
  }
  apply_committed(fx);
  return fx;
}

effects node::on_tick(time_point now) {
  effects fx;
  if (role_ == role::leader) {
    leader_tick(now, fx);
  } else if (now >= election_deadline_) {
    if (is_voter())
      start_pre_vote(now, fx);
    else
      reset_election_timer(now);
  }
  apply_committed(fx);
  return fx;
}

effects node::on_persisted(uint64_t write_id, time_point now) {
  effects fx;
  uint64_t upto = 0;
  bool any = false;
  while (!writes_.empty() && writes_.front().id <= write_id) {
    upto = writes_.front().last;
    any = true;
    writes_.pop_front();
  }
  if (!any) return fx;
  const uint64_t before = acked_match();
  persisted_ = std::max(persisted_, std::min(upto, last_index()));
  note_config_commit(fx);
  if (role_ == role::leader) {
    leader_commit(fx);
  } else if (acked_match() > before && role_ == role::follower && leader_ != endpoint{}) {
    reply_append(true, 0, fx);
  }
  (void)now;
  apply_committed(fx);
  return fx;
}

proposal node::propose(std::string data, time_point now) {
  proposal p;
  if (role_ != role::leader) {
    p.status = propose_status::not_leader;
    p.leader = leader_;
    return p;
  }
  if (transferring()) {
    p.status = propose_status::transferring;
    p.leader = transfer_to_;
    return p;
  }
  if (data.size() > cfg_.max_entry_bytes) {
    p.status = propose_status::too_large;
    return p;
  }
  if (last_index() - commit_ >= cfg_.max_uncommitted_entries) {
    p.status = propose_status::overloaded;
    return p;
  }
  entry e;
  e.index = last_index() + 1;
  e.term = hard_.term;
  e.data = std::move(data);
  p.index = e.index;
  p.term = e.term;
  append_local({std::move(e)}, 0, p.fx);
  replicate_new(now, p.fx);
  return p;
}

}  // namespace dfs::replog
