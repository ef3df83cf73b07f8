// replog::node: the log, its persistence, commit and apply, snapshots, and the follower's side of
// replication (append and snapshot requests).
#include <algorithm>

#include "common/assert.hpp"
#include "core/replog/node.hpp"

namespace dfs::replog {

const entry* node::entry_at(uint64_t index) const {
  if (index <= snap_.index || index > last_index()) return nullptr;
  return &log_[index - snap_.index - 1];
}

std::optional<uint64_t> node::term_at(uint64_t index) const {
  if (index == snap_.index) return snap_.term;
  if (const entry* e = entry_at(index)) return e->term;
  return std::nullopt;
}

configuration node::config_at(uint64_t index) const {
  for (uint64_t i = std::min(index, last_index()); i > snap_.index; --i)
    if (const entry* e = entry_at(i); e->kind == entry_kind::config) return e->config;
  return snap_.config;
}

// The newest configuration in the log is in force from the moment it is appended (Raft); while
// it is not committed, the one before it is in force too (every quorum needs both majorities).
void node::refresh_config() {
  latest_ = snap_.config;
  latest_index_ = snap_.index;
  previous_ = snap_.config;
  bool found = false;
  for (auto it = log_.rbegin(); it != log_.rend(); ++it) {
    if (it->kind != entry_kind::config) continue;
    if (!found) {
      latest_ = it->config;
      latest_index_ = it->index;
      found = true;
    } else {
      previous_ = it->config;
      return;
    }
  }
}

// Appends to the in-memory log and queues the matching disk write (merged into this batch's).
// A write is "drop entries >= truncate_from (if set), then append entries".
void node::append_local(std::vector<entry> entries, uint64_t truncate_at, effects& fx) {
  const bool new_write = !fx.log.has_value();
  if (new_write) fx.log = log_write{next_write_id_++, 0, {}};
  log_write& w = *fx.log;
  if (truncate_at != 0) {
    truncate_from(truncate_at, fx);
    auto& es = w.entries;
    es.erase(std::remove_if(es.begin(), es.end(),
                            [&](const entry& e) { return e.index >= truncate_at; }),
             es.end());
    if (!es.empty())
      w.truncate_from = w.truncate_from != 0 ? w.truncate_from : es.front().index;
    else
      w.truncate_from = w.truncate_from != 0 ? std::min(w.truncate_from, truncate_at) : truncate_at;
  }
  bool config_changed = truncate_at != 0;
  for (auto& e : entries) {
    DFS_ASSERT(e.index == last_index() + 1, "log entries are appended contiguously");
    config_changed = config_changed || e.kind == entry_kind::config;
    log_.push_back(e);
    w.entries.push_back(std::move(e));
  }
  if (new_write || writes_.empty() || writes_.back().id != w.id)
    writes_.push_back(pending_write{w.id, last_index()});
  else
    writes_.back().last = last_index();
  if (config_changed) refresh_config();
}

void node::truncate_from(uint64_t index, effects& fx) {
  DFS_ASSERT(index > commit_, "a committed entry is never truncated");
  DFS_ASSERT(index > snap_.index, "truncation below the snapshot");
  (void)fx;
  if (index > last_index()) return;
  log_.resize(index - snap_.index - 1);
  persisted_ = std::min(persisted_, index - 1);
  leader_match_ = std::min(leader_match_, index - 1);
  for (auto& w : writes_) w.last = std::min(w.last, index - 1);
  ++counters_.truncations;
}

void node::advance_commit(uint64_t index, effects& fx) {
  index = std::min(index, last_index());
  if (index <= commit_) return;
  commit_ = index;
  note_config_commit(fx);
}

// Once the newest configuration is committed and on our disk, say so on disk: a node restarting
// after that still knows the previous voter set is out of force. Without it, a readmission
// committed just before a power cut left every node counting the old voter set too, and a
// second wiped disk then blocked the group for good (found by the simulation).
void node::note_config_commit(effects& fx) {
  const uint64_t known = std::min(commit_, persisted_);
  if (latest_index_ <= hard_.commit || latest_index_ > known) return;
  hard_.commit = latest_index_;
  persist_hard(fx);
}

void node::apply_committed(effects& fx) {
  while (applied_ < commit_) {
    const entry* e = entry_at(applied_ + 1);
    DFS_ASSERT(e != nullptr, "a committed entry is in the log or the snapshot");
    applied_entry a;
    a.index = e->index;
    a.term = e->term;
    a.kind = e->kind;
    if (e->kind == entry_kind::data) {
      a.data = e->data;
      a.result = app_.apply(e->data);
    }
    ++applied_;
    fx.applied.push_back(std::move(a));
  }
  if (applied_ - snap_.index >= cfg_.snapshot_every) take_local_snapshot(fx);
}

// Compaction: the state machine at applied_ replaces the log up to there. Entries up to applied_
// are committed, so the snapshot is as good as their copies on disk (written synchronously,
// contract step 1): our log counts as persisted up to there.
void node::take_local_snapshot(effects& fx) {
  if (applied_ <= snap_.index) return;
  snapshot_meta meta;
  meta.index = applied_;
  meta.term = *term_at(applied_);
  meta.config = config_at(applied_);
  std::string data = app_.snapshot();
  log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(applied_ - snap_.index));
  snap_ = meta;
  snap_data_ = data;
  persisted_ = std::max(persisted_, applied_);
  const bool discard = fx.snapshot.has_value() && fx.snapshot->discard_log;
  fx.snapshot = snapshot_write{meta, std::move(data), discard};
  refresh_config();
  ++counters_.local_snapshots;
}

uint64_t node::acked_match() const {
  return std::min(persisted_, leader_match_);
}

void node::reply_append(bool ok, uint64_t hint, effects& fx) {
  message r;
  r.kind = message_kind::append_reply;
  r.granted = ok;
  r.match_index = acked_match();
  r.hint_index = hint;
  r.echo = leader_echo_;
  send(leader_, std::move(r), fx);
}

void node::handle_append(const endpoint& from, const message& m, time_point now, effects& fx) {
  if (m.term < hard_.term) {  // a deposed leader: our term tells it so
    message r;
    r.kind = message_kind::append_reply;
    r.hint_index = last_index();
    return send(from, std::move(r), fx);
  }
  DFS_ASSERT(!(role_ == role::leader && m.term == hard_.term), "two leaders in one term");
  become_follower(m.term, from, m.incarnation, now, fx);
  leader_echo_ = std::max(leader_echo_, m.echo);
  size_t first = 0;  // entries[first..] are above our snapshot
  uint64_t matched = m.prev_index + m.entries.size();
  if (m.prev_index < snap_.index) {
    // Our snapshot holds committed entries only: equal to every leader's.
    while (first < m.entries.size() && m.entries[first].index <= snap_.index) ++first;
    matched = std::max(matched, snap_.index);
  } else if (term_at(m.prev_index) != m.prev_term) {
    ++counters_.rejected_appends;
    uint64_t hint = last_index();
    if (m.prev_index <= last_index()) {
      // Skip our whole conflicting term at once (never below what is committed).
      const uint64_t t = *term_at(m.prev_index);
      hint = m.prev_index - 1;
      while (hint > commit_ && hint > snap_.index && term_at(hint) == t) --hint;
    }
    return reply_append(false, hint, fx);
  }
  size_t i = first;
  for (; i < m.entries.size(); ++i) {
    const entry& e = m.entries[i];
    if (e.index > last_index() || term_at(e.index) != e.term) break;
  }
  if (i < m.entries.size()) {
    const uint64_t at = m.entries[i].index;
    const uint64_t trunc = at <= last_index() ? at : 0;
    append_local(
        std::vector<entry>(m.entries.begin() + static_cast<std::ptrdiff_t>(i), m.entries.end()),
        trunc, fx);
  }
  leader_match_ = std::max(leader_match_, matched);
  advance_commit(std::min(m.commit, matched), fx);
  reply_append(true, 0, fx);
}

void node::handle_snapshot(const endpoint& from, const message& m, time_point now, effects& fx) {
  message r;
  r.kind = message_kind::snapshot_reply;
  r.snapshot = m.snapshot;
  if (m.term < hard_.term) return send(from, std::move(r), fx);
  DFS_ASSERT(!(role_ == role::leader && m.term == hard_.term), "two leaders in one term");
  become_follower(m.term, from, m.incarnation, now, fx);
  leader_echo_ = std::max(leader_echo_, m.echo);
  r.echo = leader_echo_;
  const snapshot_meta& meta = m.snapshot;
  if (meta.index <= applied_) {
    // We already hold that state; make sure it is on disk before saying so.
    if (persisted_ < meta.index) take_local_snapshot(fx);
    leader_match_ = std::max(leader_match_, meta.index);
    r.granted = true;
    r.offset = m.total_bytes;
    return send(from, std::move(r), fx);
  }
  if (incoming_meta_ != meta || incoming_term_ != m.term || m.offset == 0) {
    incoming_meta_ = meta;
    incoming_term_ = m.term;
    incoming_.clear();
  }
  const bool fits = incoming_.size() + m.chunk.size() <= cfg_.max_snapshot_bytes;
  if (m.offset == incoming_.size() && fits) incoming_ += m.chunk;
  if (!fits) incoming_.clear();
  r.offset = incoming_.size();
  if (m.granted && m.offset + m.chunk.size() == incoming_.size() &&
      incoming_.size() == m.total_bytes) {
    install_snapshot(meta, std::move(incoming_), fx);
    incoming_.clear();
    incoming_meta_ = snapshot_meta{};
    r.granted = restored_ok_;
  }
  send(from, std::move(r), fx);
}

// Replaces our state by the leader's snapshot (meta.index > applied_). The log is kept after it
// if it continues it, else dropped with it (snapshot_write::discard_log).
void node::install_snapshot(const snapshot_meta& meta, std::string data, effects& fx) {
  restored_ok_ = app_.restore(data);
  if (!restored_ok_) {
    fx.events.push_back("snapshot_restore_failed index=" + std::to_string(meta.index));
    return;
  }
  const bool keep = term_at(meta.index) == meta.term;
  if (keep) {
    log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(meta.index - snap_.index));
  } else {
    log_.clear();
    writes_.clear();
  }
  snap_ = meta;
  snap_data_ = data;
  commit_ = std::max(commit_, meta.index);
  applied_ = meta.index;
  persisted_ = keep ? std::max(persisted_, meta.index) : meta.index;
  leader_match_ = std::max(leader_match_, meta.index);
  const bool discard = !keep || (fx.snapshot.has_value() && fx.snapshot->discard_log);
  if (!keep) fx.log.reset();  // nothing of this batch's log write survives the discard
  fx.snapshot = snapshot_write{meta, std::move(data), discard};
  fx.state_restored = true;
  refresh_config();
  ++counters_.snapshots_installed;
  fx.events.push_back("snapshot_installed index=" + std::to_string(meta.index));
}

}  // namespace dfs::replog
