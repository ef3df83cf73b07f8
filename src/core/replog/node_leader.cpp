// replog::node: the leader's side -- replication progress per follower, commit, heartbeats,
// check-quorum, snapshots to lagging followers and readmission of wiped disks.
#include <algorithm>

#include "common/assert.hpp"
#include "core/replog/node.hpp"

namespace dfs::replog {

// The progress of `from`, or nullptr if the message comes from an older disk of that address
// than the one we last heard. A newer disk starts from scratch (it holds nothing of ours).
peer_progress* node::progress_of(const endpoint& from, uint64_t incarnation, time_point now) {
  auto i = peers_.find(from);
  if (i == peers_.end()) return nullptr;
  peer_progress& p = i->second;
  if (incarnation < p.incarnation) return nullptr;
  if (incarnation > p.incarnation) {
    p.incarnation = incarnation;
    p.acked_send = time_point{};
    p.match = 0;
    p.next = last_index() + 1;
    p.confirmed = false;
    p.snapshot_offset = 0;
  }
  p.last_heard = now;
  return &p;
}

// The progress of the follower that answered with `m` (an append or a snapshot reply), or
// nullptr when the answer is not for this leader: a newer term makes this node a follower first.
// Any answer of our term counts as an echo, a refused append too: the follower took our message
// as its leader's (become_follower) before judging the entries.
peer_progress* node::replying_peer(const endpoint& from, const message& m, time_point now,
                                   effects& fx) {
  if (m.term > hard_.term) {
    become_follower(m.term, endpoint{}, 0, now, fx);
    return nullptr;
  }
  if (role_ != role::leader || m.term != hard_.term) return nullptr;
  peer_progress* p = progress_of(from, m.incarnation, now);
  if (p != nullptr && m.echo != 0)
    p->acked_send = std::max(p->acked_send, time_point(duration(m.echo)));
  return p;
}

// A follower holds our log through `index` on its disk (an append or a snapshot it took): it
// may complete a commit, and it is sent what it still lacks.
void node::note_held(peer_progress& p, uint64_t index, time_point now, effects& fx) {
  p.confirmed = true;
  if (index > p.match) {
    p.match = std::min(index, last_index());
    p.next = std::max(p.next, p.match + 1);
    leader_commit(fx);
  }
  if (p.next <= last_index()) send_append(p, now, fx);
  if (role_ == role::leader && p.address == transfer_to_) transfer_progress(p, now, fx);
}

void node::handle_append_reply(const endpoint& from, const message& m, time_point now,
                               effects& fx) {
  peer_progress* p = replying_peer(from, m, now, fx);
  if (p == nullptr) return;
  if (m.granted) return note_held(*p, m.match_index, now, fx);
  p->next = std::max(p->match + 1, std::min(p->next, m.hint_index + 1));
  send_append(*p, now, fx);
}

void node::handle_snapshot_reply(const endpoint& from, const message& m, time_point now,
                                 effects& fx) {
  peer_progress* p = replying_peer(from, m, now, fx);
  if (p == nullptr) return;
  if (m.granted) {  // it holds the state through m.snapshot.index on its disk
    p->snapshot_offset = 0;
    return note_held(*p, m.snapshot.index, now, fx);
  }
  if (m.snapshot.index != snap_.index || p->snapshot_index != snap_.index) return;
  p->snapshot_offset = std::min<uint64_t>(m.offset, snap_data_.size());
  if (p->next <= snap_.index) send_snapshot_chunk(*p, now, fx);
}

void node::send_append(peer_progress& p, time_point now, effects& fx) {
  if (p.next <= snap_.index) return send_snapshot_chunk(p, now, fx);
  message m;
  m.kind = message_kind::append;
  m.prev_index = p.next - 1;
  m.prev_term = *term_at(m.prev_index);
  m.commit = commit_;
  uint64_t bytes = 0;
  for (uint64_t i = p.next; i <= last_index() && m.entries.size() < cfg_.max_entries_per_append;
       ++i) {
    const entry* e = entry_at(i);
    if (!m.entries.empty() && bytes + e->data.size() > cfg_.max_append_bytes) break;
    bytes += e->data.size();
    m.entries.push_back(*e);
  }
  // Pipelining once the follower has confirmed where our logs meet; probing stays in place.
  if (p.confirmed) p.next = m.prev_index + m.entries.size() + 1;
  p.last_send = now;
  m.echo = now.time_since_epoch().count();
  send(p.address, std::move(m), fx);
}

void node::send_snapshot_chunk(peer_progress& p, time_point now, effects& fx) {
  if (p.snapshot_index != snap_.index) {
    p.snapshot_index = snap_.index;
    p.snapshot_offset = 0;
  }
  if (p.snapshot_offset == 0) ++counters_.snapshots_sent;
  message m;
  m.kind = message_kind::snapshot;
  m.snapshot = snap_;
  m.offset = std::min<uint64_t>(p.snapshot_offset, snap_data_.size());
  m.total_bytes = snap_data_.size();
  m.chunk = snap_data_.substr(m.offset, cfg_.max_snapshot_chunk_bytes);
  m.granted = m.offset + m.chunk.size() >= m.total_bytes;  // the last chunk
  p.last_send = now;
  m.echo = now.time_since_epoch().count();
  send(p.address, std::move(m), fx);
}

// Commit: the highest index of our term on disk at a majority of every configuration in force.
void node::leader_commit(effects& fx) {
  if (role_ != role::leader) return;
  auto match_of = [&](const voter& v) -> uint64_t {
    if (v.address == cfg_.self) return v.incarnation == hard_.incarnation ? persisted_ : 0;
    auto i = peers_.find(v.address);
    return i != peers_.end() && i->second.incarnation == v.incarnation ? i->second.match : 0;
  };
  auto quorum_index = [&](const configuration& c) -> uint64_t {
    if (c.voters.empty()) return 0;
    std::vector<uint64_t> m;
    for (const auto& v : c.voters) m.push_back(match_of(v));
    std::sort(m.begin(), m.end(), std::greater<uint64_t>());
    return m[c.voters.size() / 2];
  };
  for (int round = 0; round < 2; ++round) {  // a commit may end a joint phase: count again
    uint64_t idx = quorum_index(latest_);
    if (!config_committed()) idx = std::min(idx, quorum_index(previous_));
    if (idx <= commit_ || term_at(idx) != hard_.term) return;
    advance_commit(idx, fx);
  }
}

void node::leader_tick(time_point now, effects& fx) {
  // Check-quorum: a leader cut off from a majority stops acting as one (its proposals can no
  // longer commit, and the majority side may elect a new leader after the same timeout).
  if (now - leader_since_ >= cfg_.election_timeout_ms) {
    const bool heard = quorum([&](const voter& v) {
      if (v.address == cfg_.self) return v.incarnation == hard_.incarnation;
      auto i = peers_.find(v.address);
      return i != peers_.end() && i->second.incarnation == v.incarnation &&
             now - i->second.last_heard < cfg_.election_timeout_ms;
    });
    if (!heard) {
      ++counters_.check_quorum_stepdowns;
      step_down("check_quorum", fx);
      reset_election_timer(now);
      return;
    }
  }
  if (transferring() && now >= transfer_deadline_) {
    if (lease_void_term_ == hard_.term) {
      // The target may still win with the transfer flag (a timeout_now it has not acted on
      // yet), which voters honour during our lease: going on would leave this term without
      // lease reads for good. A new election ends it; this node may well win it again.
      ++counters_.transfers_aborted;
      step_down("transfer_timeout", fx);
      reset_election_timer(now);
      return;
    }
    end_transfer("timeout", fx);
  }
  for (auto& [a, p] : peers_) {
    if (now - p.last_send < cfg_.heartbeat_ms) continue;
    if (p.confirmed && p.next > p.match + 1) p.next = p.match + 1;  // resend what is unacked
    send_append(p, now, fx);
  }
  maybe_readmit(now, fx);
}

// A configured address answering from a newer disk than its voter slot names (a wiped master,
// restarted): once it holds our committed log, a config entry makes that disk the voter. One at a
// time, and only from a committed configuration.
void node::maybe_readmit(time_point now, effects& fx) {
  if (!config_committed() || transferring()) return;
  for (const auto& v : latest_.voters) {
    if (v.address == cfg_.self) continue;
    auto i = peers_.find(v.address);
    if (i == peers_.end()) continue;
    const peer_progress& p = i->second;
    if (p.incarnation <= v.incarnation || !p.confirmed ||
        p.match + cfg_.max_entries_per_append < commit_)
      continue;
    entry e;
    e.index = last_index() + 1;
    e.term = hard_.term;
    e.kind = entry_kind::config;
    e.config = latest_;
    for (auto& w : e.config.voters)
      if (w.address == v.address) w.incarnation = p.incarnation;
    fx.events.push_back("readmit " + v.address.to_string() + " incarnation=" +
                        std::to_string(p.incarnation) + " index=" + std::to_string(e.index));
    ++counters_.readmits;
    append_local({std::move(e)}, 0, fx);
    replicate_new(now, fx);
    return;
  }
}

void node::replicate_new(time_point now, effects& fx) {
  for (auto& [a, p] : peers_)
    if (p.confirmed && p.next <= last_index()) send_append(p, now, fx);
}

// ---- leadership handover ----------------------------------------------------------------------

transfer_result node::transfer_leadership(const endpoint& target, time_point now) {
  transfer_result r;
  if (role_ != role::leader) {
    r.status = transfer_status::not_leader;
    r.target = leader_;
    return r;
  }
  auto voter_peer = [&](const endpoint& a) -> peer_progress* {
    auto i = peers_.find(a);
    if (i == peers_.end() || !latest_.admits(a, i->second.incarnation)) return nullptr;
    return &i->second;
  };
  peer_progress* p = nullptr;
  if (target == endpoint{}) {
    // The most up-to-date voter (ties: the one heard from last).
    for (auto& [a, q] : peers_) {
      if (voter_peer(a) == nullptr) continue;
      if (p == nullptr || q.match > p->match ||
          (q.match == p->match && q.last_heard > p->last_heard))
        p = &q;
    }
    if (p == nullptr) {
      r.status = transfer_status::single_master;
      return r;
    }
  } else if (target == cfg_.self) {
    r.status = transfer_status::self_target;
    return r;
  } else if (std::find(cfg_.masters.begin(), cfg_.masters.end(), target) == cfg_.masters.end()) {
    r.status = transfer_status::unknown_target;
    return r;
  } else if ((p = voter_peer(target)) == nullptr) {
    r.status = transfer_status::not_a_voter;
    return r;
  }
  transfer_to_ = p->address;
  transfer_deadline_ = now + cfg_.election_timeout_ms;
  ++counters_.transfers_started;
  r.target = p->address;
  r.fx.events.push_back("transfer_started to=" + p->address.to_string() + " match=" +
                        std::to_string(p->match) + " last=" + std::to_string(last_index()));
  transfer_progress(*p, now, r.fx);
  return r;
}

// The target holds our whole log on its disk: tell it to campaign (again on every such answer
// until the transfer ends, so a lost timeout_now costs one heartbeat). Otherwise catch it up.
void node::transfer_progress(peer_progress& p, time_point now, effects& fx) {
  if (!transferring() || p.address != transfer_to_) return;
  if (p.confirmed && p.match >= last_index()) {
    message m;
    m.kind = message_kind::timeout_now;
    ++counters_.timeout_now_sent;
    lease_void_term_ = hard_.term;
    send(p.address, std::move(m), fx);
    return;
  }
  if (!p.confirmed || p.next <= last_index()) send_append(p, now, fx);
}

void node::end_transfer(const char* why, effects& fx) {
  if (transfer_to_ == endpoint{}) return;
  ++counters_.transfers_aborted;
  fx.events.push_back(std::string("transfer_aborted to=") + transfer_to_.to_string() + " " + why);
  transfer_to_ = endpoint{};
}

}  // namespace dfs::replog
