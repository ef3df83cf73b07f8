#include "core/master/chunk_table.hpp"

#include <algorithm>

namespace dfs::master {

void chunk_table::allocate(chunk_handle first, uint32_t count, core::time_point grace_deadline) {
  for (uint64_t h = first.value; h < first.value + count; ++h) uncommitted_[h] = grace_deadline;
  next_handle_ = std::max(next_handle_, first.value + count);
}

bool chunk_table::in_grace(chunk_handle h, core::time_point now) const {
  auto it = uncommitted_.find(h.value);
  return it != uncommitted_.end() && now < it->second;
}

std::vector<chunk_handle> chunk_table::expired(core::time_point now) const {
  std::vector<chunk_handle> out;
  for (const auto& [h, deadline] : uncommitted_)
    if (now >= deadline) out.push_back(chunk_handle{h});
  return out;
}

const chunk_entry* chunk_table::find(chunk_handle h) const {
  auto it = chunks_.find(h.value);
  return it == chunks_.end() ? nullptr : &it->second;
}

void chunk_table::commit_new(const chunk_meta& meta) {
  uncommitted_.erase(meta.handle.value);
  auto& e = chunks_[meta.handle.value];
  e.meta = meta;
  e.refcount = 1;
  recount(meta.handle.value, e);
}

void chunk_table::add_ref(chunk_handle h) {
  ++chunks_.at(h.value).refcount;
}

bool chunk_table::release(chunk_handle h) {
  auto it = chunks_.find(h.value);
  if (it == chunks_.end()) return false;
  if (--it->second.refcount > 0) return false;
  for (const auto& n : it->second.replicas) by_node_[n].erase(h.value);
  // Held replicas of a freed chunk are orphans: their holders delete them.
  if (auto hd = held_.find(h.value); hd != held_.end()) {
    for (const auto& [n, e] : hd->second) deferred_[n].to_delete.push_back(h);
    held_.erase(hd);
  }
  off_nominal_.erase(h.value);
  chunks_.erase(it);
  return true;
}

void chunk_table::add_replica(chunk_handle h, const node_id& n) {
  auto it = chunks_.find(h.value);
  if (it != chunks_.end()) add_replica(*it, n);
}

void chunk_table::add_replica(std::pair<const uint64_t, chunk_entry>& c, const node_id& n) {
  c.second.replicas.insert(*nodes_, n);
  index_of(n).insert(c.first);
  recount(c.first, c.second);
}

handle_set& chunk_table::index_of(const node_id& n) {
  if (last_index_ == nullptr || last_index_->first != n)
    last_index_ = &*by_node_.try_emplace(n).first;
  return last_index_->second;
}

void chunk_table::note_lease_handed(chunk_handle h, uint64_t version,
                                    const std::set<node_id>& members) {
  auto it = chunks_.find(h.value);
  if (it == chunks_.end() || version < it->second.handed_version) return;
  it->second.handed_version = version;
  std::vector<node_id> left_out;
  for (const auto& n : it->second.replicas)
    if (members.count(n) == 0) left_out.push_back(n);
  for (const auto& n : left_out) drop_replica(h, n);
  note_lease_reserved(h, version, members);
}

void chunk_table::note_lease_reserved(chunk_handle h, uint64_t version,
                                      const std::set<node_id>& members) {
  auto it = chunks_.find(h.value);
  if (it == chunks_.end() || version < it->second.lease_version) return;
  it->second.lease_version = version;
  it->second.lease_members.clear();
  for (const auto& n : members) it->second.lease_members.insert(*nodes_, n);
}

void chunk_table::drop_replica(chunk_handle h, const node_id& n) {
  auto it = chunks_.find(h.value);
  if (it != chunks_.end()) {
    it->second.replicas.erase(n);
    it->second.behind.erase(n);
    recount(h.value, it->second);
  }
  auto bn = by_node_.find(n);
  if (bn != by_node_.end()) bn->second.erase(h.value);
  forget_held(h.value, n);
}

void chunk_table::forget_held(uint64_t h, const node_id& n) {
  auto hd = held_.find(h);
  if (hd == held_.end()) return;
  hd->second.erase(n);
  if (hd->second.empty()) held_.erase(hd);
}

void chunk_table::drop_node(const node_id& n) {
  for (auto hd = held_.begin(); hd != held_.end();) {
    hd->second.erase(n);
    hd = hd->second.empty() ? held_.erase(hd) : std::next(hd);
  }
  auto bn = by_node_.find(n);
  if (bn == by_node_.end()) return;
  for (auto h : bn->second) {
    auto it = chunks_.find(h);
    if (it == chunks_.end()) continue;
    it->second.replicas.erase(n);
    it->second.behind.erase(n);
    recount(h, it->second);
  }
  if (last_index_ == &*bn) last_index_ = nullptr;
  by_node_.erase(bn);
}

// Decides what one reported chunk means: a replica, stale, an orphan, or still in grace.
void chunk_table::judge(const node_id& n, const chunk_report_entry& e, core::time_point now,
                        report_reply& out) {
  auto it = chunks_.find(e.handle.value);
  if (it == chunks_.end()) {
    // Uncommitted handles are data a client is still pushing: keep them until the grace is over.
    if (!in_grace(e.handle, now)) out.to_delete.push_back(e.handle);
    return;
  }
  const auto& meta = it->second.meta;
  // A chunk that took a lease may have been written or appended to (content_may_change): its
  // replicas' lengths say nothing against the master's size (appends run ahead of it). One
  // that never did is read up to the master's size, zeros past a replica's end (a file grown
  // by a write further on): a replica may be shorter, never longer.
  bool may_change = content_may_change(meta);
  auto& entry = it->second;
  bool current_known = entry.replicas.size() > entry.behind.size();
  forget_held(e.handle.value, n);  // this report replaces a held one
  if (e.chunk_version < meta.chunk_version && now < hold_until_ && !current_known &&
      entry.lease_version == 0) {
    held_[e.handle.value][n] = e;  // stale or merely behind: known once the others reported
    return;
  }
  if (e.chunk_version > meta.chunk_version) {
    out.newer_than_master.push_back(e.handle);
    drop_replica(e.handle, n);
  } else if (e.chunk_version < meta.chunk_version &&
             (entry.lease_version > e.chunk_version ? entry.lease_members.count(n) > 0
                                                    : !current_known) &&
             (may_change || e.size_bytes <= meta.size_bytes)) {
    // A version bump it missed while no replica is known at the current version: the master
    // crashed after logging the bump and before any replica heard of it (then EVERY replica
    // reports the old version, and deleting them would lose the chunk). No mutation can have
    // been applied at the new version (a primary takes the version with the grant, before it
    // orders anything), so the older version holds the current bytes: count it and tell it the
    // version. With a current replica known, an older one missed mutations: stale (below).
    // Once a newer lease was reserved or handed out (this life), only the replicas it names
    // follow it (a secondary applies nothing of a version before storing it); any other is
    // stale.
    // Right after a restart such reports are held first (hold_older_reports_until), so that a
    // stale replica reporting before the current ones is not taken for this case.
    add_replica(*it, n);
    entry.behind.insert(*nodes_, n);
    out.behind.push_back(e.handle);
  } else if (e.chunk_version < meta.chunk_version ||
             (!may_change && e.size_bytes > meta.size_bytes)) {
    out.to_delete.push_back(e.handle);
    drop_replica(e.handle, n);
  } else {
    add_replica(*it, n);
    entry.behind.erase(n);
    if (held_.count(e.handle.value) > 0) rejudge_held(e.handle.value, now);  // now stale
  }
}

void chunk_table::rejudge_held(uint64_t h, core::time_point now) {
  auto reports = std::move(held_.at(h));
  held_.erase(h);
  for (const auto& [n, e] : reports) judge(n, e, now, deferred_[n]);
}

void chunk_table::settle_held(core::time_point now) {
  if (now < hold_until_ || held_.empty()) return;
  while (!held_.empty()) rejudge_held(held_.begin()->first, now);
}

size_t chunk_table::held_count() const {
  size_t n = 0;
  for (const auto& [h, nodes] : held_) n += nodes.size();
  return n;
}

report_reply chunk_table::on_full_report(const node_id& n,
                                         const std::vector<chunk_report_entry>& held,
                                         core::time_point now) {
  // A full report replaces what we knew about the node.
  drop_node(n);
  report_reply out;
  for (const auto& e : held) judge(n, e, now, out);
  return out;
}

report_reply chunk_table::on_incremental_report(const node_id& n,
                                                const std::vector<chunk_report_entry>& added,
                                                const std::vector<chunk_handle>& removed,
                                                core::time_point now) {
  report_reply out;
  for (auto h : removed) drop_replica(h, n);
  for (const auto& e : added) judge(n, e, now, out);
  return out;
}

size_t chunk_table::under_replicated_count() const {
  size_t n = 0;
  for (auto h : off_nominal_) n += chunks_.at(h).replicas.size() < nominal_;
  return n;
}

std::vector<under_replicated_entry> chunk_table::under_replicated() const {
  std::vector<under_replicated_entry> out;
  for (auto h : off_nominal_) {  // every other chunk has exactly `nominal_` replicas
    auto n = chunks_.at(h).replicas.size();
    if (n < nominal_) out.push_back({chunk_handle{h}, static_cast<uint32_t>(n)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.replica_count < b.replica_count; });
  return out;
}

size_t chunk_table::chunks_on(const node_id& n) const {
  auto bn = by_node_.find(n);
  return bn == by_node_.end() ? 0 : bn->second.size();
}

void chunk_table::restore(uint64_t next_handle, const std::vector<chunk_meta>& chunks,
                          const std::vector<chunk_handle>& uncommitted,
                          core::time_point grace_deadline) {
  next_handle_ = next_handle;
  chunks_.clear();
  uncommitted_.clear();
  by_node_.clear();
  last_index_ = nullptr;
  held_.clear();
  deferred_.clear();
  off_nominal_ = handle_set{};
  for (const auto& m : chunks) {
    chunks_[m.handle.value].meta = m;
    if (nominal_ != 0)  // no replica reported yet
      off_nominal_.insert(m.handle.value);
  }
  for (auto h : uncommitted) uncommitted_[h.value] = grace_deadline;
}

bool chunk_table::restore_lease_holder(chunk_handle h, const node_id& primary) {
  auto it = chunks_.find(h.value);
  if (it == chunks_.end()) return false;
  it->second.lease_holder = node_ref(*nodes_, primary);
  return true;
}

}  // namespace dfs::master
