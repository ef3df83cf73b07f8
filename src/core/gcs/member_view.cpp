// View change of gcs::member: PROPOSE -> FLUSH -> INSTALL -> INSTALL_ACK -> COMMIT.
#include <algorithm>

#include "common/assert.hpp"
#include "core/gcs/completion.hpp"
#include "core/gcs/member.hpp"

namespace dfs::gcs {

namespace {

std::string members_string(const std::vector<node_id>& ms) {
  std::string s;
  for (const auto& m : ms) s += (s.empty() ? "" : ",") + m.to_string();
  return s;
}

}  // namespace

effects member::on_membership(std::vector<node_id> alive, time_point now) {
  effects fx;
  alive.push_back(self_);
  std::sort(alive.begin(), alive.end());
  alive.erase(std::unique(alive.begin(), alive.end()), alive.end());
  if (alive != alive_) excluded_.clear();  // a new report: give excluded members another chance
  alive_ = std::move(alive);
  maybe_propose(now, fx);
  return fx;
}

void member::suspect_silent(time_point now, effects& fx) {
  if (cfg_.suspect_after_ms.count() == 0 || !is_primary()) return;
  std::vector<node_id> silent;
  for (const auto& [m, at] : last_heard_)
    if (now - at > cfg_.suspect_after_ms && !excluded_.count(m)) silent.push_back(m);
  if (silent.empty() || (view_.members.size() - silent.size()) * 2 <= view_.members.size()) return;
  for (const auto& m : silent) {
    excluded_.insert(m);
    fx.events.push_back("suspect member=" + m.to_string() +
                        " silent_ms=" + std::to_string((now - last_heard_[m]) / milliseconds(1)));
  }
  excluded_until_ = now + 4 * view_timeout_;
}

std::vector<node_id> member::target_members(time_point now) {
  if (now >= excluded_until_) excluded_.clear();
  std::vector<node_id> target;
  for (const auto& m : alive_)
    if (!excluded_.count(m)) target.push_back(m);
  return target;
}

// The lowest live node coordinates. Others wait for its PROPOSE; a newer proposal supersedes.
void member::maybe_propose(time_point now, effects& fx) {
  std::vector<node_id> target = target_members(now);
  if (target.front() != self_) {
    // Our view disagrees with membership but we do not coordinate: the coordinator may think
    // all is well (e.g. we left its view for a view of our own), so ask it for a view change.
    if ((state_ == member_state::normal || state_ == member_state::joining) &&
        view_.members != target && now - last_view_send_ >= cfg_.view_retry_ms) {
      packet p;
      p.kind = packet_kind::view_request;
      p.view = view_.id;
      fx.send.push_back({target.front(), std::move(p)});
      last_view_send_ = now;
    }
    return;
  }
  if (coord_.active) {
    if (coord_.members != target) start_proposal(target, now, fx);
    return;
  }
  if (state_ == member_state::normal && view_.members == target) return;
  // Let another coordinator's view change finish (membership reports differ for a while);
  // supersede it only if it stalls.
  if ((state_ == member_state::flushing || state_ == member_state::installing) &&
      !(proposer_ == self_) && now - accepted_at_ < view_timeout_)
    return;
  start_proposal(target, now, fx);
}

void member::handle_view_request(const node_id& from, const packet& p, time_point now,
                                 effects& fx) {
  max_epoch_seen_ = std::max(max_epoch_seen_, p.view.epoch);
  if (coord_.active && !coord_.installing && p.view.epoch >= coord_.id.epoch) {
    start_proposal(coord_.members, now, fx);  // our proposal is stale for that member
    return;
  }
  std::vector<node_id> target = target_members(now);
  if (target.front() != self_ || coord_.active || p.view == view_.id ||
      !std::binary_search(target.begin(), target.end(), from))
    return;
  if ((state_ == member_state::flushing || state_ == member_state::installing) &&
      now - accepted_at_ < view_timeout_)
    return;
  start_proposal(target, now, fx);
}

void member::start_proposal(std::vector<node_id> members, time_point now, effects& fx) {
  coord_ = coordination{};
  coord_.active = true;
  coord_.id = view_id{std::max(max_epoch_seen_, view_.id.epoch) + 1, self_};
  coord_.members = members;
  coord_.started = coord_.last_send = now;
  fx.events.push_back("view_propose id=" + coord_.id.to_string() +
                      " members=" + members_string(members));
  accept_proposal(coord_.id, self_, members, now, fx);
  // Our state leads whenever we may be asked for one, but its bytes (an encoding of the whole
  // queue state, ~40 ms at 9 MB) are taken only when a member turns out to need them
  // (build_install). We deliver nothing while the view changes, so they will be the same.
  coord_.flushes[self_] = make_flush(false, true);
  coord_.flushes[self_].has_snapshot = true;
  coord_.own_delivered = delivered_upto_;
  coord_.own_transfers = counters_.state_transfers;
  coord_.own_pending = has_pending_primary_ ? pending_primary_.view.id : view_id{};
  packet p = propose_packet();
  for (const auto& m : members)
    if (m != self_) fx.send.push_back({m, p});
  if (coord_.flushes.size() == members.size()) build_install(now, fx);
}

packet member::propose_packet() const {
  packet p;
  p.kind = packet_kind::propose;
  p.view = coord_.id;
  p.propose.members = coord_.members;
  // After accept_proposal (which may turn an acknowledged INSTALL pending); frozen until the
  // proposal ends, so every resend names the same view.
  p.propose.latest_primary = latest_primary_id();
  return p;
}

view_id member::latest_primary_id() const {
  view_id v = last_primary_.id;
  if (has_pending_primary_ && v < pending_primary_.view.id) v = pending_primary_.view.id;
  return v;
}

// Freeze: from here on nothing is ordered, originated or delivered in the old view, so the FLUSH
// describes this member's final contribution to it.
void member::accept_proposal(const view_id& id, const node_id& proposer,
                             const std::vector<node_id>& members, time_point now, effects& fx) {
  if (state_ == member_state::installing && has_acked_ && acked_.view.primary) {
    has_pending_primary_ = true;  // maybe committed elsewhere: keep it for the next coordinator
    pending_primary_ = acked_;
  }
  has_acked_ = false;
  state_ = member_state::flushing;
  accepted_ = id;
  proposer_ = proposer;
  proposed_members_ = members;
  accepted_at_ = now;
  max_epoch_seen_ = std::max(max_epoch_seen_, id.epoch);
  if (coord_.active && coord_.id < id) coord_.active = false;
  if (cfg_.durable) write_view_record(nullptr, fx);  // before the FLUSH (or PROPOSE) leaves
}

void member::handle_propose(const node_id& from, const packet& p, time_point now, effects& fx) {
  max_epoch_seen_ = std::max(max_epoch_seen_, p.view.epoch);
  const auto& ms = p.propose.members;
  if (!std::binary_search(ms.begin(), ms.end(), self_) || !std::is_sorted(ms.begin(), ms.end()))
    return;
  if (p.view < accepted_ || !(view_.id < p.view)) {
    // Stale proposal: tell the coordinator which epoch it has to beat.
    packet r;
    r.kind = packet_kind::view_request;
    r.view = std::max(view_.id, accepted_);
    fx.send.push_back({from, std::move(r)});
    return;
  }
  if (p.view != accepted_) {
    accept_proposal(p.view, from, ms, now, fx);
    proposer_latest_ = p.propose.latest_primary;
  }
  if (state_ == member_state::installing) return;  // the INSTALL_ACK is resent on tick
  fx.send.push_back({from, flush_packet()});
  last_view_send_ = now;
}

packet member::flush_packet() {
  packet out;
  out.kind = packet_kind::flush;
  out.view = accepted_;
  // Our state can be the one a completion needs only if we lead it (our latest primary view is
  // the newest of all flushers) and the coordinator does not. If the coordinator's latest is
  // as new as ours, it leads whenever we do and gives its own state to members that need one:
  // a view change among the members of one primary view moves no state at all (with a large
  // queue, a FLUSH of it kept a busy member past the view timeout).
  // Ours older than the coordinator's: we cannot lead, so our held log is of no use to it
  // either (a restarted member's is up to an image's size, several MB with a large queue).
  view_id ours = latest_primary_id();
  out.flush = make_flush(proposer_latest_ < ours, !(ours < proposer_latest_));
  return out;
}

// The bytes of our state: a pending INSTALL's snapshot when one brought it, else our own.
std::string member::own_state() {
  if (has_pending_primary_ && pending_primary_.has_snapshot) return pending_primary_.snapshot;
  ++counters_.state_snapshots;
  return app_.snapshot();
}

flush_msg member::make_flush(bool with_snapshot, bool with_log) {
  flush_msg f;
  f.current = view_;
  f.last_primary = last_primary_;
  f.has_pending = has_pending_primary_;
  if (has_pending_primary_) f.pending = pending_primary_.view;
  f.genesis_ok = cfg_.bootstrap && last_primary_.id.empty();
  f.durable = cfg_.durable;
  f.delivered_upto = delivered_upto_;
  f.originated_upto = originated_upto_;
  f.has_log = with_log;
  if (with_log) {
    if (has_pending_primary_) f.pending_entries = pending_primary_.entries;
    for (const auto& [seq, id] : orders_) {
      auto it = data_.find(id);
      if (it != data_.end()) f.entries.push_back(log_entry{seq, id, it->second.op});
    }
    for (const auto& [arrival, id] : unordered_) {
      const auto& d = data_.at(id);
      f.unordered.push_back(held_data{d.view, id, d.op});
    }
  }
  // A pending INSTALL that brought us a snapshot defines our state basis; else our own state.
  f.has_snapshot = with_snapshot;
  if (has_pending_primary_ && pending_primary_.has_snapshot) {
    f.snapshot_seq = pending_primary_.snapshot_seq;
    if (with_snapshot) f.snapshot = pending_primary_.snapshot;
  } else {
    f.snapshot_seq = delivered_upto_;
    if (with_snapshot) f.snapshot = own_state();
  }
  return f;
}

void member::handle_flush(const node_id& from, const packet& p, time_point now, effects& fx) {
  if (!coord_.active || coord_.installing || p.view != coord_.id ||
      !std::binary_search(coord_.members.begin(), coord_.members.end(), from))
    return;
  const flush_msg& f = p.flush;
  uint64_t seen = std::max({f.current.id.epoch, f.last_primary.id.epoch,
                            f.has_pending ? f.pending.id.epoch : uint64_t{0}});
  if (seen >= coord_.id.epoch) {
    // A view of our epoch exists already (a concurrent coordinator): one primary per epoch, so
    // start over above it.
    max_epoch_seen_ = std::max(max_epoch_seen_, seen);
    start_proposal(coord_.members, now, fx);
    return;
  }
  coord_.flushes[from] = f;
  if (coord_.flushes.size() == coord_.members.size()) build_install(now, fx);
}

void member::build_install(time_point now, effects& fx) {
  completion c =
      compute_completion(coord_.id, coord_.members, coord_.flushes, cfg_.expected_group_size);
  if (c.snapshot_from == self_ &&
      std::find(c.needs_snapshot.begin(), c.needs_snapshot.end(), true) != c.needs_snapshot.end()) {
    // The state our FLUSH named: we have accepted no other proposal since (that would have ended
    // this coordination: accept_proposal), so we delivered and installed nothing.
    view_id pending = has_pending_primary_ ? pending_primary_.view.id : view_id{};
    DFS_ASSERT(delivered_upto_ == coord_.own_delivered &&
                   counters_.state_transfers == coord_.own_transfers &&
                   pending == coord_.own_pending,
               "gcs: the coordinator's state changed while it coordinated");
    c.snapshot = own_state();
  }
  fx.events.push_back("view_flushed id=" + coord_.id.to_string() + " " + c.summary +
                      " primary=" + std::to_string(c.install.view.primary));
  coord_.installing = true;
  coord_.started = now;
  coord_.install = std::move(c.install);
  coord_.install.snapshot_seq = c.snapshot_seq;
  for (size_t r = 0; r < coord_.members.size(); ++r)
    coord_.needs_snapshot[coord_.members[r]] = c.needs_snapshot[r];
  coord_.install.snapshot = std::move(c.snapshot);
  for (const auto& m : coord_.members) send_install(m, now, fx);
}

void member::send_install(const node_id& to, time_point now, effects& fx) {
  install_msg in = coord_.install;
  in.has_snapshot = coord_.install.view.primary && coord_.needs_snapshot[to];
  if (!in.has_snapshot) in.snapshot.clear();
  coord_.last_send = now;
  if (to == self_) {
    if (state_ != member_state::flushing || accepted_ != coord_.id) return;
    if (cfg_.durable && in.view.primary) write_acked_install(in, fx);  // before anyone can commit
    has_acked_ = true;
    acked_ = std::move(in);
    state_ = member_state::installing;
    coord_.acks.insert(self_);
    if (coord_.acks.size() == coord_.members.size()) finish_commit(now, fx);
    return;
  }
  packet p;
  p.kind = packet_kind::install;
  p.view = coord_.id;
  p.install = std::move(in);
  fx.send.push_back({to, std::move(p)});
}

void member::handle_install(const node_id& from, const packet& p, time_point now, effects& fx) {
  if (p.view != accepted_ ||
      (state_ != member_state::flushing && state_ != member_state::installing))
    return;
  if (state_ == member_state::flushing) {
    // On disk before the INSTALL_ACK leaves (the owner writes records before sending): after a
    // restart we still report it as pending, so no later view can ignore it.
    if (cfg_.durable && p.install.view.primary) write_acked_install(p.install, fx);
    has_acked_ = true;
    acked_ = p.install;
    state_ = member_state::installing;
  }
  packet ack;
  ack.kind = packet_kind::install_ack;
  ack.view = accepted_;
  fx.send.push_back({from, std::move(ack)});
  last_view_send_ = now;
}

void member::handle_install_ack(const node_id& from, const packet& p, time_point now, effects& fx) {
  if (coord_.active && coord_.installing && p.view == coord_.id) {
    coord_.acks.insert(from);
    if (coord_.acks.size() == coord_.members.size()) finish_commit(now, fx);
  } else if (p.view == last_committed_) {
    packet c;  // our COMMIT was lost
    c.kind = packet_kind::commit;
    c.view = last_committed_;
    fx.send.push_back({from, std::move(c)});
  }
}

// Every member acknowledged the INSTALL, so every member holds the completion: commit it.
void member::finish_commit(time_point now, effects& fx) {
  coord_.active = false;
  last_committed_ = coord_.id;
  packet c;
  c.kind = packet_kind::commit;
  c.view = coord_.id;
  for (const auto& m : coord_.members)
    if (m != self_) fx.send.push_back({m, c});
  if (state_ == member_state::installing && acked_.view.id == coord_.id)
    commit_install(acked_, now, fx);
}

void member::handle_commit(const packet& p, time_point now, effects& fx) {
  if (state_ == member_state::installing && has_acked_ && acked_.view.id == p.view)
    commit_install(acked_, now, fx);
}

void member::coordinator_tick(time_point now, effects& fx) {
  if (!coord_.active) return;
  if (now - coord_.started >= view_timeout_) {
    std::vector<node_id> keep;
    for (const auto& m : coord_.members) {
      bool answered = coord_.installing ? coord_.acks.count(m) > 0 : coord_.flushes.count(m) > 0;
      if (answered)
        keep.push_back(m);
      else
        excluded_.insert(m);
    }
    excluded_until_ = now + 4 * view_timeout_;
    // Members too slow for this timeout (images of large queues on a slow disk) would be dropped
    // again at every attempt to take them back: wait twice as long from now on, up to 16 times
    // the configured timeout, until a view with every live member commits.
    view_timeout_ = std::min(view_timeout_ * 2, cfg_.view_timeout_ms * 16);
    fx.events.push_back("view_timeout id=" + coord_.id.to_string() +
                        " next_timeout_ms=" + std::to_string(view_timeout_ / milliseconds(1)));
    start_proposal(keep, now, fx);
    return;
  }
  if (now - coord_.last_send < cfg_.view_retry_ms) return;
  coord_.last_send = now;
  for (const auto& m : coord_.members) {
    if (m == self_) continue;
    if (coord_.installing) {
      if (!coord_.acks.count(m)) send_install(m, now, fx);
    } else if (!coord_.flushes.count(m)) {
      fx.send.push_back({m, propose_packet()});
    }
  }
}

void member::commit_install(const install_msg& in_ref, time_point now, effects& fx) {
  const install_msg in = in_ref;  // acked_ is reset below
  has_acked_ = false;
  state_ = member_state::normal;
  view_ = in.view;
  if (view_.members == alive_) view_timeout_ = cfg_.view_timeout_ms;  // everyone made it
  rank_ = static_cast<int>(std::lower_bound(view_.members.begin(), view_.members.end(), self_) -
                           view_.members.begin());
  if (in.view.primary) {
    apply_primary_install(in, fx);
    last_primary_ = in.view;
    has_pending_primary_ = false;
  }
  // Our own operations the completion did not include are lost with the old view, or so it
  // seems: a non-primary member cannot tell whether the primary side ordered them, and a later
  // primary view may still deliver them from another member's FLUSH. So never "not primary"
  // (the client would report "not applied"): the outcome is unknown, and only the group's answer
  // to the same request number settles it.
  for (auto& [id, op] : replies_)
    refuse(op, reply_status::unknown_outcome,
           in.view.primary ? "operation lost in view change; retry with the same request number"
                           : "not in primary partition now; the operation may still be applied: "
                             "retry with the same request number",
           fx);
  replies_.clear();
  if (!in.view.primary) {
    for (auto& op : queued_) refuse(op, reply_status::not_primary, "not in primary partition", fx);
    queued_.clear();
  }
  reset_view_tracking(in);
  last_heard_.clear();
  for (const auto& m : view_.members)
    if (m != self_) last_heard_[m] = now;
  // The commit is on disk before anything of the new view is logged (write_image), so a synced
  // entry of this view proves the commit after a restart.
  if (cfg_.durable && in.view.primary) write_image(nullptr, fx);
  ++counters_.views_installed;
  fx.views_installed.push_back(view_);
  fx.events.push_back(
      "view_installed id=" + view_.id.to_string() + " primary=" + std::to_string(view_.primary) +
      " base=" + std::to_string(view_.base) + " members=" + members_string(view_.members));
  if (view_.primary) progress(now, fx);
}

void member::apply_primary_install(const install_msg& in, effects& fx) {
  if (in.has_snapshot) {
    // The snapshot came from a member of our group over authenticated packets: our bug.
    bool restored = app_.restore(in.snapshot);
    DFS_ASSERT(restored, "gcs: snapshot does not restore");
    delivered_upto_ = in.snapshot_seq;
    fx.state_restored = true;
    ++counters_.state_transfers;
  }
  for (const auto& e : in.entries)
    if (e.seq > delivered_upto_) deliver_one(e.seq, e.id, e.op, fx);
  DFS_ASSERT(delivered_upto_ + 1 == in.view.base, "gcs: install leaves a gap before base");
  // Everything of the old views is now delivered here and held by every member: drop it.
  data_.clear();
  unordered_.clear();
  orders_.clear();
  wanted_.clear();
}

void member::reset_view_tracking(const install_msg& in) {
  const size_t n = view_.members.size();
  slots_.clear();
  slots_held_ = slots_known_ = 0;
  recv_.clear();
  peers_.assign(n, status_msg{});
  for (size_t r = 0; r < n; ++r) {
    recv_[view_.members[r]].upto = in.originated_upto[r];
    peers_[r].originated_upto = in.originated_upto[r];
  }
  if (!view_.primary) return;  // keep the old primary view's log for the next FLUSH
  next_seq_ = view_.base;
  held_upto_ = majority_upto_ = stable_upto_ = delivered_upto_;
  for (auto& s : peers_) s.held_upto = s.delivered_upto = delivered_upto_;
}

}  // namespace dfs::gcs
