#include "core/gcs/completion.hpp"

#include <algorithm>
#include <set>

#include "common/assert.hpp"

namespace dfs::gcs {

namespace {

// Whether flusher `m` speaks for `x`, a member of an earlier view: itself, or an earlier
// incarnation at its address whose state it recovered from disk. A durable member writes every
// INSTALL it acknowledges (and every commit) before acting on it, so its recovered state says
// all x ever agreed to:
// - for an installed view, m must show primary history: a restart without it (memory mode, or
//   a wiped disk) knows nothing of x and must not count;
// - for a pending INSTALL (which only restricts), a durable m without an image never
//   acknowledged it, so that INSTALL was never committed: m counts, as x itself would. Without
//   this, a genesis INSTALL acknowledged by one member before a power cut blocks the group for
//   good (found by the simulation). A wiped disk is then taken for "never acknowledged": the
//   operator rule in the README (a fileserver that lost node.data_dir/gcs rejoins only under
//   a new address, or the whole group starts over).
bool speaks_for(const node_id& m, const flush_msg& f, const node_id& x, bool pending) {
  if (m == x) return true;
  bool history = !f.last_primary.id.empty() || f.has_pending;
  return f.durable && (history || pending) && m.address() == x.address();
}

// A strict majority of `v`'s members is among the flushers (each address counts once). For a
// pending INSTALL, exactly half also does when it holds v's lowest address (dynamic linear
// voting's tie-break), if v lists each address once. Any two such sets still intersect (two
// halves share the lowest address), and each intersects the strict majority of v that held
// every operation v delivered, so the half that holds it has them all. Without the tie-break,
// a two-member INSTALL {a, c} acknowledged by a before a power cut kept a restarted {a, b}
// non-primary until c came back (README.md, Limits; the likely cause of a rare failure of the
// cluster's power-cut test).
bool majority_of(const std::vector<node_id>& members, const std::map<node_id, flush_msg>& flushes,
                 const view_desc& v, bool pending) {
  std::set<endpoint> common;
  for (const auto& m : members)
    for (const auto& x : v.members)
      if (speaks_for(m, flushes.at(m), x, pending)) common.insert(x.address());
  if (common.size() * 2 > v.members.size()) return true;
  if (!pending || v.members.empty() || common.size() * 2 != v.members.size()) return false;
  std::set<endpoint> addresses;
  for (const auto& x : v.members) addresses.insert(x.address());
  return addresses.size() == v.members.size() && common.count(*addresses.begin()) > 0;
}

// Dynamic voting with ambiguous installs: the new view needs a strict majority of the latest
// primary view some flusher installed AND of every newer primary INSTALL some flusher acknowledged
// (it may have been committed elsewhere). An acknowledged INSTALL only restricts, never grants:
// it may never have been committed because another member moved on before acknowledging it.
bool decide_primary(const std::vector<node_id>& members,
                    const std::map<node_id, flush_msg>& flushes, uint32_t expected_group_size,
                    bool& have, view_desc& latest) {
  view_desc installed;
  bool have_installed = false;
  for (const auto& [m, f] : flushes)
    if (!f.last_primary.id.empty() && (!have_installed || installed.id < f.last_primary.id)) {
      installed = f.last_primary;
      have_installed = true;
    }
  bool primary = false;
  if (have_installed) {
    primary = majority_of(members, flushes, installed, false);
  } else {
    size_t founders = 0;  // genesis
    for (const auto& m : members) founders += flushes.at(m).genesis_ok ? 1 : 0;
    primary = founders * 2 > expected_group_size;
  }
  have = have_installed;
  latest = installed;
  for (const auto& [m, f] : flushes) {
    if (!f.has_pending || !f.pending.primary) continue;
    if (have_installed && !(installed.id < f.pending.id)) continue;
    primary = primary && majority_of(members, flushes, f.pending, true);
    if (!have || latest.id < f.pending.id) {
      latest = f.pending;
      have = true;
    }
  }
  return primary;
}

void merge_entry(std::map<uint64_t, log_entry>& all, const log_entry& e) {
  auto [it, fresh] = all.emplace(e.seq, e);
  DFS_ASSERT(fresh || it->second.id == e.id,
             "gcs: two messages ordered at seq " + std::to_string(e.seq));
}

}  // namespace

completion compute_completion(const view_id& id, const std::vector<node_id>& members,
                              const std::map<node_id, flush_msg>& flushes,
                              uint32_t expected_group_size) {
  completion c;
  c.install.view.id = id;
  c.install.view.members = members;
  for (const auto& m : members) c.install.originated_upto.push_back(flushes.at(m).originated_upto);
  c.needs_snapshot.assign(members.size(), false);
  view_desc latest;
  bool have = false;
  c.install.view.primary = decide_primary(members, flushes, expected_group_size, have, latest);
  c.summary = "latest_primary=" + (have ? latest.id.to_string() : std::string("none"));
  if (!c.install.view.primary) return c;

  // Leading flushers: those that installed the latest primary view, or acknowledged its INSTALL.
  std::map<uint64_t, log_entry> all;
  std::map<msg_id, client_op> loose;  // unordered DATA of the latest primary view
  std::vector<bool> leading(members.size(), false);
  uint64_t first = UINT64_MAX;
  const node_id* provider = nullptr;
  for (size_t r = 0; r < members.size(); ++r) {
    const flush_msg& f = flushes.at(members[r]);
    bool installed = !have || f.last_primary.id == latest.id;
    bool pending = have && f.has_pending && f.pending.id == latest.id;
    if (!installed && !pending) continue;
    leading[r] = true;
    DFS_ASSERT(f.has_log, "gcs: a leading member left its held log out of its FLUSH");
    // A pending flusher's held log predates the INSTALL it acknowledged: from where that INSTALL
    // starts, use only the INSTALL (its later seqs may have been given to other messages).
    // Below, the held log is the delivered prefix, the same everywhere; a member restarted from
    // its disk builds on it (its image is older than the INSTALL: member::write_view_record).
    uint64_t held_below = UINT64_MAX;
    if (pending) {
      held_below = f.pending_entries.empty() ? f.pending.base : f.pending_entries.front().seq;
      for (const auto& e : f.pending_entries) merge_entry(all, e);
    }
    for (const auto& e : f.entries)
      if (e.seq < held_below) merge_entry(all, e);
    if (!pending)
      for (const auto& d : f.unordered)
        if (!have || d.view == latest.id) loose.emplace(d.id, d.op);
    first = std::min(first, f.snapshot_seq + 1);
    // Any leading state will do for a member that needs one: each is at or above `first - 1`
    // and below the first seq none of them ordered (asserted below), so the entries from `first` on
    // continue it. Some FLUSHes leave their state out (propose_msg::latest_primary); the
    // coordinator's always names its own (without its bytes: the coordinator adds them when
    // it is `snapshot_from`), and when it does not lead, every leading member sent its own.
    if (f.has_snapshot && (!provider || f.snapshot_seq < flushes.at(*provider).snapshot_seq))
      provider = &members[r];
  }
  uint64_t k = first;
  while (all.count(k)) c.install.entries.push_back(all.at(k++));
  const uint64_t ordered_end = k;  // the first seq no leading member ordered
  for (size_t r = 0; r < members.size(); ++r) {
    const flush_msg& f = flushes.at(members[r]);
    DFS_ASSERT(!(leading[r] && !(have && f.has_pending && f.pending.id == latest.id) &&
                 f.delivered_upto >= k),
               "gcs: a member delivered beyond the completion");
  }
  // Messages ordered beyond a gap lose their order; they join the unordered DATA, appended in
  // (sender, sender seq) order so the decision does not depend on arrival order.
  std::set<msg_id> used;
  for (const auto& e : c.install.entries) used.insert(e.id);
  for (auto it = all.upper_bound(k); it != all.end(); ++it)
    loose.emplace(it->second.id, it->second.op);
  for (const auto& [mid, op] : loose)
    if (!used.count(mid)) c.install.entries.push_back(log_entry{k++, mid, op});
  c.install.view.base = k;
  bool needed = false;
  for (size_t r = 0; r < members.size(); ++r) {
    c.needs_snapshot[r] = !leading[r] || flushes.at(members[r]).delivered_upto + 1 < first;
    needed = needed || c.needs_snapshot[r];
  }
  DFS_ASSERT(!needed || provider, "gcs: no leading FLUSH carries the state a member needs");
  if (provider) {
    const flush_msg& p = flushes.at(*provider);
    DFS_ASSERT(p.snapshot_seq < ordered_end, "gcs: the leading state is beyond the completion");
    c.snapshot_seq = p.snapshot_seq;
    c.snapshot_from = *provider;
    if (needed) c.snapshot = p.snapshot;
  }
  c.summary += " first=" + std::to_string(first) + " base=" + std::to_string(k) +
               " entries=" + std::to_string(c.install.entries.size());
  return c;
}

}  // namespace dfs::gcs
