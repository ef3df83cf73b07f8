// master_core's snapshot and copy-on-write (issue 13 item 4).
//
// `snapshot PATH` logs a commit record listing the newest version's chunks: a new version at
// once, sharing every chunk (refcount + 1), nothing copied. Writes and appends mutate the
// newest version in place under a lease; the invariant that keeps older versions unchanged:
// a chunk with refcount > 1 is never leased. A lease asked (by path and index) on a shared
// chunk first copies it:
//
//   lease_request ──▶ allocate new handle (logged) ──durable──▶ local_copy orders ride on the
//   (more requests     the holders' next heartbeat replies ──▶ each holder copies the chunk on
//    join the job)     its own disk and reports the new handle ──all live holders reported
//                      (or any by the deadline)──▶ cow_record (logged): the newest version
//                      names the copy ──▶ the lease is granted on the copy, waiters answered
//
// A job with no copy by lease.offer_timeout fails its waiters (`unavailable`, ask again); its
// handle stays uncommitted and is abandoned when its grace ends, like a put never committed.
#include <algorithm>

#include "core/master/master_core.hpp"
#include "core/master/ns_replies.hpp"

namespace dfs::master {

// -- snapshot -----------------------------------------------------------------------------------

std::optional<chunk_handle> master_core::leased_chunk(const std::vector<chunk_meta>& chunks) const {
  for (auto& c : chunks)
    if (!meta_.chunks().is_uncommitted(c.handle) && leases_.find(c.handle) != nullptr)
      return c.handle;
  return std::nullopt;
}

// snapshot PATH, or cp PATH TO (ns_op::copy): a commit record sharing the newest version's
// chunks, under PATH or TO. Both wait for leases on PATH's chunks: a primary could change a
// chunk after it is shared.
void master_core::on_snapshot(request_token t, const ns_request& r, core::time_point now,
                              uint64_t wall_ms, master_effects& fx) {
  request_id id{r.client_id, r.request_no};
  bool copy = r.op == ns_op::copy;
  std::string what = copy ? "cp" : "snapshot";
  if (locks_.locked_by_other(r.path, r.client_id, now))  // an updater holds the file
    return fx.replies.push_back(
        {t, ns_error(errc::conflict,
                     what + " of " + quote_path(r.path) + ": " + locks_.held_by(r.path, now))});
  auto rec =
      copy ? meta_.validate_copy(r.path, r.to, wall_ms) : meta_.validate_snapshot(r.path, wall_ms);
  if (!rec) return fx.replies.push_back({t, ns_error(rec.err())});
  if (copy && locks_.locked_by_other(rec->path, r.client_id, now))
    return fx.replies.push_back(
        {t, ns_error(errc::conflict,
                     "cp to " + quote_path(rec->path) + ": " + locks_.held_by(rec->path, now))});
  // The source's name as the lease table keys it (validate_* parsed it the same way).
  std::string source = copy ? parse_path(r.path, path_rules::stored)->text() : rec->path;
  // A lease still running (or being granted) could let its primary change a chunk after the
  // snapshot shares it: ask again once it has ended.
  if (auto h = leased_chunk(rec->chunks)) {
    // No renewal or new grant until the snapshot is taken, and the running leases are revoked
    // (revoke_leases: at their primaries' next heartbeats); a primary that does not answer
    // keeps its lease until it runs out, within lease.duration. The client asks again.
    auto until = now + 2 * opts_.lease.duration + opts_.lease.margin();
    for (auto& c : rec->chunks)
      if (leases_.find(c.handle) != nullptr) snapshot_waits_[c.handle.value] = until;
    snapshot_paths_[source] = until;  // chunks added meanwhile (appends) wait too
    auto* l = leases_.find(*h);
    auto ends = l->phase == lease_phase::reserved || l->phase == lease_phase::offering
                    ? std::string("is being leased")
                    : "is leased until " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::max(l->expiry, now) - now + opts_.lease.margin())
                                             .count()) +
                          " ms from now";
    return fx.replies.push_back(
        {t, ns_error(errc::busy, what + " of " + quote_path(r.path) + ": chunk " + h->to_string() +
                                     " " + ends + "; ask again then")});
  }
  for (auto& c : rec->chunks) snapshot_waits_.erase(c.handle.value);
  snapshot_paths_.erase(source);
  ns_version created{rec->version_number, rec->mtime_ms, 0, rec->chunk_size_bytes,
                     static_cast<uint32_t>(rec->chunks.size())};
  for (auto& c : rec->chunks) created.size_bytes += c.size_bytes;
  created.size_bytes += rec->inline_data.size();
  // A copy's retry is answered with where it went (the reply is the target's stat).
  request_outcome o{created.number,           created.mtime_ms,    created.size_bytes,
                    created.chunk_size_bytes, created.chunk_count, copy ? rec->path : ""};
  fx.events.push_back({event_level::info, what + (copy ? " from=" + source : "") +
                                              " path=" + rec->path +
                                              " version=" + std::to_string(created.number) +
                                              " chunks=" + std::to_string(created.chunk_count)});
  auto target = rec->path;
  log_client(id, std::move(o), std::move(*rec), {t, commit_waiter{target, {}, created}}, now, fx);
}

bool master_core::snapshot_waits_for(chunk_handle h, core::time_point now) const {
  auto it = snapshot_waits_.find(h.value);
  return it != snapshot_waits_.end() && now < it->second;
}

// -- copy-on-write ------------------------------------------------------------------------------

void master_core::copy_before_lease(request_token t, const lease_request& r, chunk_handle old,
                                    core::time_point now, master_effects& fx) {
  auto l = meta_.layout(r.path, 0);  // lease_target found it: this cannot fail
  if (!l) return fx.replies.push_back({t, lease_error(l.err().code, l.err().message)});
  for (auto& [h, job] : cows_)
    if (job.path == l->path && job.chunk_index == r.chunk_index && job.old_handle == old)
      return job.waiters.push_back(t);  // joins the copy under way
  if (journal_failed_)
    return fx.replies.push_back(
        {t, lease_error(refusal_code(),
                        refusal_text("the master cannot log the copy of a shared chunk"))});
  const auto* e = meta_.chunks().find(old);
  std::set<node_id> holders;
  for (auto& n : e->replicas)
    if (registry_.live(n)) holders.insert(n);
  if (holders.empty())
    return fx.replies.push_back(
        {t, lease_error(errc::no_servers, "no live replica of chunk " + old.to_string() +
                                              " (shared with another version) to copy it from")});
  auto alloc = meta_.validate_allocate(l->path, 1);
  if (!alloc) return fx.replies.push_back({t, lease_error(alloc.err().code, alloc.err().message)});
  cow_job job;
  job.path = l->path;
  job.version_number = l->version.number;
  job.chunk_index = r.chunk_index;
  job.old_handle = old;
  job.new_handle = alloc->first;
  job.chunk_version = e->meta.chunk_version;
  job.size_bytes = e->meta.size_bytes;
  job.ordered = holders;
  job.deadline = now + opts_.lease.offer_timeout;
  job.waiters.push_back(t);
  waiter w;
  w.silent = true;
  log_and_apply(log_record{*alloc}, std::move(w), now, fx);
  // Ordered only once the allocation is durable: a copy under a handle a restarted master
  // could hand out again would be a chunk with someone else's bytes.
  open_.cow_allocations.push_back(job.new_handle.value);
  fx.events.push_back({event_level::info, "cow_started chunk=" + old.to_string() + " copy=" +
                                              job.new_handle.to_string() + " path=" + job.path +
                                              " index=" + std::to_string(job.chunk_index) +
                                              " holders=" + std::to_string(holders.size())});
  auto key = job.new_handle.value;
  cows_.emplace(key, std::move(job));
}

void master_core::on_cow_allocations_logged(const batch& b, bool ok, master_effects& fx) {
  for (auto h : b.cow_allocations) {
    auto it = cows_.find(h);
    if (it == cows_.end()) continue;
    if (!ok) {
      fail_cow(h, "the master could not log the copy of a shared chunk (journal failed)", fx);
      continue;
    }
    auto& job = it->second;
    for (auto& n : job.ordered)
      local_copies_[n].push_back({job.old_handle.value, job.new_handle.value, job.chunk_version});
    job.orders_sent = true;
  }
}

void master_core::note_cow_copies(const node_id& n, const std::vector<chunk_report>& reported) {
  for (auto& c : reported) {
    auto it = cows_.find(c.handle);
    if (it == cows_.end()) continue;
    auto& job = it->second;
    // Only a copy with the old chunk's version and size counts (the bytes were verified
    // against the block checksums while copying). A chunk that took writes or appends may be
    // longer than the master's size (appends run ahead of it): its version says enough.
    bool may_change = job.chunk_version > 1;  // records.hpp content_may_change
    if (job.ordered.count(n) > 0 && c.chunk_version == job.chunk_version &&
        (may_change || c.size_bytes == job.size_bytes))
      job.copied.insert(n);
  }
}

void master_core::cows_on_heartbeat(const chunkserver_heartbeat& hb, core::time_point now,
                                    heartbeat_reply& reply, master_effects& fx) {
  for (auto h : hb.removed)  // a copy deleted or set aside again does not count
    if (auto it = cows_.find(h); it != cows_.end()) it->second.copied.erase(hb.id);
  note_cow_copies(hb.id, hb.added);
  if (auto it = local_copies_.find(hb.id); it != local_copies_.end()) {
    reply.local_copies = std::move(it->second);
    local_copies_.erase(it);
  }
  advance_cows(now, fx);
}

void master_core::advance_cows(core::time_point now, master_effects& fx) {
  std::vector<uint64_t> done, expired;
  for (auto& [h, job] : cows_) {
    if (!job.orders_sent) {
      if (now >= job.deadline) expired.push_back(h);
      continue;
    }
    bool waiting = false;  // a live holder that has not reported its copy yet
    for (auto& n : job.ordered)
      if (job.copied.count(n) == 0 && registry_.live(n)) waiting = true;
    if (!job.copied.empty() && (!waiting || now >= job.deadline))
      done.push_back(h);
    else if (job.copied.empty() && (!waiting || now >= job.deadline))
      expired.push_back(h);
  }
  for (auto h : expired)
    fail_cow(h,
             "copy-on-write of chunk " + cows_.at(h).old_handle.to_string() +
                 " did not complete; ask again",
             fx);
  for (auto h : done) {
    auto job = std::move(cows_.at(h));
    cows_.erase(h);
    auto rec = meta_.validate_cow(job.path, job.version_number, job.chunk_index, job.old_handle,
                                  job.new_handle);
    if (!rec || journal_failed_) {
      auto why = rec ? std::string("the master cannot log the copy of a shared chunk")
                     : rec.err().message + "; ask again";
      for (auto t : job.waiters) fx.replies.push_back({t, lease_error(errc::unavailable, why)});
      continue;
    }
    waiter w;
    w.silent = true;
    log_and_apply(log_record{*rec}, std::move(w), now, fx);
    meta_.note_replicas(job.new_handle, {job.copied.begin(), job.copied.end()});
    fx.events.push_back({event_level::info, "cow_done chunk=" + job.old_handle.to_string() +
                                                " copy=" + job.new_handle.to_string() +
                                                " replicas=" + std::to_string(job.copied.size())});
    // The lease on the copy: the first waiter makes the grant, the others wait with it.
    for (auto t : job.waiters) lease_chunk(t, job.new_handle, now, fx);
  }
}

void master_core::fail_cow(uint64_t new_handle, const std::string& why, master_effects& fx) {
  auto it = cows_.find(new_handle);
  if (it == cows_.end()) return;
  for (auto t : it->second.waiters) fx.replies.push_back({t, lease_error(errc::unavailable, why)});
  // Orders not handed out yet are void; copies already made are orphans of an abandoned
  // handle (deleted when reported after its grace).
  for (auto& [n, orders] : local_copies_)
    orders.erase(std::remove_if(orders.begin(), orders.end(),
                                [&](const local_copy& c) { return c.to_handle == new_handle; }),
                 orders.end());
  fx.events.push_back(
      {event_level::warn,
       "cow_failed copy=" + chunk_handle{new_handle}.to_string() + " error=\"" + why + "\""});
  cows_.erase(it);
}

}  // namespace dfs::master
