#include "core/master/master_core.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "common/assert.hpp"
#include "common/limits.hpp"
#include "core/master/ns_replies.hpp"
#include "core/master/placement.hpp"

namespace dfs::master {

namespace {

constexpr uint32_t max_versions_per_request = 1000;

put_plan plan_error(errc code, std::string msg) {
  put_plan p;
  p.status = code;
  p.error = std::move(msg);
  return p;
}

std::vector<chunk_report_entry> to_entries(const std::vector<chunk_report>& v) {
  std::vector<chunk_report_entry> out;
  out.reserve(v.size());
  for (auto& c : v) out.push_back({chunk_handle{c.handle}, c.chunk_version, c.size_bytes});
  return out;
}

std::vector<uint64_t> to_values(const std::vector<chunk_handle>& v) {
  std::vector<uint64_t> out;
  out.reserve(v.size());
  for (auto h : v) out.push_back(h.value);
  return out;
}

// Chunks a record may free, with their replicas before it applies: the chunks of every
// version of the path it removes or adds a version to.
std::map<uint64_t, std::set<node_id>> may_free(const master_state& meta, const log_record& rec) {
  if (auto* q = std::get_if<request_record>(&rec)) return may_free(meta, to_record(q->op));
  std::map<uint64_t, std::set<node_id>> out;
  if (auto* p = std::get_if<purge_record>(&rec)) {
    for (auto id : p->trash_ids)
      if (auto it = meta.trash().find(id); it != meta.trash().end())
        for (auto& v : it->second.file.versions)
          for (auto h : v.chunks)
            if (auto* e = meta.chunks().find(h))
              out[h.value] = std::set<node_id>(e->replicas.begin(), e->replicas.end());
    return out;
  }
  const std::string* path = nullptr;
  if (auto* r = std::get_if<remove_record>(&rec)) path = &r->path;
  if (auto* c = std::get_if<commit_record>(&rec)) path = &c->path;
  if (path == nullptr) return out;
  auto vs = meta.versions(*path, std::numeric_limits<uint32_t>::max());
  if (!vs) return out;
  for (auto& v : *vs)
    for (auto h : v.chunks)
      if (auto* e = meta.chunks().find(h))
        out[h.value] = std::set<node_id>(e->replicas.begin(), e->replicas.end());
  return out;
}

const char* unavailable_text = "the master could not log the change (journal failed)";

}  // namespace

bool is_mutation(ns_op op) {
  return op == ns_op::mkdir || op == ns_op::remove || op == ns_op::rename ||
         op == ns_op::snapshot || op == ns_op::copy;
}

master_core::master_core(core_options opts, node_id self)
    : opts_(opts),
      self_(std::move(self)),
      meta_(opts.meta),
      registry_(opts.registry),
      leases_(opts.lease, core::time_point{}),
      dir_leases_(opts.dir_lease_term, opts.dir_lease_quiet),
      locks_(opts.lock) {}

result<void> master_core::recover(const master_snapshot& checkpoint,
                                  const std::vector<log_record>& records, core::time_point now) {
  auto st = master_state::replay(checkpoint, records, opts_.meta, now);
  if (!st) return st.err();
  meta_ = std::move(*st);
  recovered_at_ = now;
  // Leases are volatile: the previous life's may still run, so none until they have ended.
  // Every grant logs a version bump before it is handed out: with no chunk past version 1,
  // no lease of a previous life can run (a new cluster grants at once).
  bool ever_leased = false;
  for (auto& [h, e] : meta_.chunks().chunks())
    ever_leased = ever_leased || e.meta.chunk_version > 1;
  leases_ = lease_table(opts_.lease,
                        ever_leased ? now : now - opts_.lease.duration - opts_.lease.margin());
  // For as long, a replica reporting an older version may be stale or merely behind a bump
  // this master logged just before it stopped: held until the others have reported.
  if (ever_leased)
    meta_.hold_older_reports_until(now + opts_.lease.duration + opts_.lease.margin());
  // Directory leases are volatile too: a previous life may have granted some, so no change
  // is answered before their term has passed. A new cluster (nothing logged) granted none.
  bool had_state = !records.empty() || !checkpoint.dirs.empty() || !checkpoint.files.empty() ||
                   !checkpoint.trash.empty() || checkpoint.next_handle > 1;
  if (had_state) dir_leases_.hold_changes_until(now + opts_.dir_lease_term);
  records_since_checkpoint_ = records.size();
  last_checkpoint_ = now;
  return {};
}

// -- clients --------------------------------------------------------------------------------------

master_effects master_core::on_request(request_token t, const ns_request& r, core::time_point now,
                                       uint64_t wall_ms) {
  master_effects fx;
  request_id id{r.client_id, r.request_no};
  if (is_mutation(r.op) && answer_retry(t, id, r.path, fx)) return fx;
  switch (r.op) {
    case ns_op::mkdir: {
      auto rec = meta_.validate_mkdir(r.path);
      if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
      log_client(id, {}, std::move(*rec), {t, ns_reply{}}, now, fx);
      return fx;
    }
    case ns_op::remove: {
      // A file goes to the trash (undelete brings it back); an empty directory goes at once.
      if (auto tr = meta_.validate_trash(r.path, wall_ms); tr) {
        log_client(id, {}, std::move(*tr), {t, ns_reply{}}, now, fx);
        return fx;
      }
      auto rec = meta_.validate_remove(r.path);
      if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
      log_client(id, {}, std::move(*rec), {t, ns_reply{}}, now, fx);
      return fx;
    }
    case ns_op::list:
    case ns_op::stat:
      answer_read(t, read_reply(r), fx);
      return fx;
    case ns_op::stat_dir:
      answer_read(t, stat_dir_reply(r, now), fx);
      return fx;
    case ns_op::rename: {
      auto rec = meta_.validate_rename(r.path, r.to);
      if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
      // The reply names where it went (mv into a directory appends the name).
      request_outcome moved;
      moved.path = rec->to;
      auto done = outcome_reply(moved, rec->to);
      log_client(id, std::move(moved), std::move(*rec), {t, std::move(done)}, now, fx);
      return fx;
    }
    case ns_op::snapshot:
    case ns_op::copy:
      on_snapshot(t, r, now, wall_ms, fx);
      return fx;
  }
  fx.replies.push_back(
      {t, ns_error(errc::invalid_argument,
                   "unknown namespace operation " + std::to_string(static_cast<int>(r.op)))});
  return fx;
}

master_effects master_core::on_request(request_token t, const trash_request& r,
                                       core::time_point now) {
  master_effects fx;
  request_id id{r.client_id, r.request_no};
  if (r.op != trash_op::list && answer_retry(t, id, r.path, fx)) return fx;
  switch (r.op) {
    case trash_op::list: {
      ns_reply out;
      for (auto& [id, e] : meta_.trash()) {
        auto& vs = e.file.versions;
        uint64_t size = vs.empty() ? 0 : vs.back().size_bytes;
        uint32_t chunks = vs.empty() ? 0 : static_cast<uint32_t>(vs.back().chunks.size());
        out.entries.push_back(
            {e.path, false, size, e.deleted_ms, static_cast<uint32_t>(vs.size()), chunks});
      }
      answer_read(t, std::move(out), fx);
      return fx;
    }
    case trash_op::undelete: {
      auto rec = meta_.validate_restore(r.path, r.new_path);
      if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
      log_client(id, {}, std::move(*rec), {t, ns_reply{}}, now, fx);
      return fx;
    }
    case trash_op::purge: {
      auto rec = meta_.validate_purge(r.path);
      if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
      if (rec->trash_ids.empty()) return fx.replies.push_back({t, ns_reply{}}), fx;
      log_client(id, {}, std::move(*rec), {t, ns_reply{}}, now, fx);
      return fx;
    }
  }
  fx.replies.push_back(
      {t, ns_error(errc::invalid_argument,
                   "unknown trash operation " + std::to_string(static_cast<int>(r.op)))});
  return fx;
}

master_effects master_core::on_request(request_token t, const versions_request& r) {
  master_effects fx;
  answer_read(t, read_reply(r), fx);
  return fx;
}

master_effects master_core::on_request(request_token t, const layout_request& r) {
  master_effects fx;
  answer_read(t, read_reply(r), fx);
  return fx;
}

ns_reply master_core::read_reply(const ns_request& r) const {
  if (r.op == ns_op::list) {
    auto l = meta_.ls(r.path);
    return l ? list_reply(*l) : ns_error(l.err());
  }
  auto s = meta_.stat(r.path);
  return s ? stat_reply(*s) : ns_error(s.err());
}

ns_reply master_core::read_reply(const layout_request& r) const {
  auto l = meta_.layout(r.path, r.version);
  return l ? layout_reply(*l) : ns_error(l.err());
}

ns_reply master_core::read_reply(const versions_request& r) const {
  auto v = meta_.versions(r.path, std::clamp<uint32_t>(r.count, 1, max_versions_per_request));
  if (!v) return ns_error(v.err());
  ns_reply out;
  for (auto& x : *v) out.versions.push_back(to_ns(x));
  return out;
}

std::optional<ns_reply> master_core::read_now(const ns_request& r) const {
  if ((r.op != ns_op::list && r.op != ns_op::stat) || !all_durable()) return std::nullopt;
  return read_reply(r);
}

std::optional<ns_reply> master_core::read_dir_now(const ns_request& r, core::time_point now) {
  if (r.op != ns_op::stat_dir || !all_durable()) return std::nullopt;
  return stat_dir_reply(r, now);
}

ns_reply master_core::stat_dir_reply(const ns_request& r, core::time_point now) {
  auto s = meta_.stat(r.path);
  if (!s) return ns_error(s.err());
  auto plain = stat_reply(*s);
  auto dir = parent_dir(s->path);
  auto entries =
      dir.empty() ? result<std::vector<dir_entry>>(std::vector<dir_entry>{}) : meta_.ls(dir);
  if (!entries || entries->empty() || entries->size() > opts_.dir_lease_max_entries) return plain;
  auto term = dir_leases_.grant(dir, r.client_id, now);
  if (!term) return plain;
  ns_reply out;
  auto prefix = dir == "/" ? dir : dir + "/";
  for (auto& e : *entries) {
    auto child = meta_.stat(prefix + e.name);
    if (!child) return plain;  // cannot happen: listed a moment ago, nothing changed since
    auto one = stat_reply(*child);
    out.entries.push_back(std::move(one.entries.at(0)));
    out.versions.push_back(one.versions.empty() ? ns_version{} : one.versions.at(0));
  }
  out.lease_ms =
      static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(*term).count());
  return out;
}

std::optional<ns_reply> master_core::read_now(const layout_request& r) const {
  if (!all_durable()) return std::nullopt;
  return read_reply(r);
}

std::optional<ns_reply> master_core::read_now(const versions_request& r) const {
  if (!all_durable()) return std::nullopt;
  return read_reply(r);
}

master_effects master_core::on_put(request_token t, const put_request& r, core::time_point now) {
  master_effects fx;
  auto refuse = [&](errc code, std::string msg) {
    fx.replies.push_back({t, plan_error(code, std::move(msg))});
    return fx;
  };
  uint64_t cs = r.chunk_size_bytes != 0 ? r.chunk_size_bytes : opts_.default_chunk_size_bytes;
  if (cs < limits::min_chunk_size_bytes || cs > limits::max_chunk_size_bytes)
    return refuse(errc::invalid_argument,
                  "chunk size " + std::to_string(cs) + " bytes out of range 1KiB..64MiB");
  uint64_t count = (r.size_bytes + cs - 1) / cs;
  if (count > opts_.meta.max_chunks_per_put)
    return refuse(errc::invalid_argument,
                  "file of " + std::to_string(r.size_bytes) + " bytes needs " +
                      std::to_string(count) + " chunks; at most " +
                      std::to_string(opts_.meta.max_chunks_per_put) + " per put");
  // One validation for every size: the path, and the handles an allocation would take.
  auto rec = meta_.validate_allocate(r.path, static_cast<uint32_t>(std::max<uint64_t>(count, 1)));
  if (!rec) return refuse(rec.err().code, rec.err().message);
  put_plan plan;
  plan.chunk_size_bytes = cs;
  plan.write_quorum = opts_.write_quorum;
  if (count == 0) return fx.replies.push_back({t, plan}), fx;
  std::vector<placement_candidate> cands;
  for (auto& s : registry_.list())
    if (s.state == registry::health::healthy && !draining(s.id))
      cands.push_back({s.id, s.free_bytes, 0, true, s.zone});
  if (cands.size() < opts_.write_quorum) {
    auto why = std::to_string(cands.size()) +
               " healthy chunkservers; a put needs at least quorum.write = " +
               std::to_string(opts_.write_quorum);
    // Right after a start the live chunkservers are still registering (each at its next
    // heartbeat): busy, which the client asks again, rather than a put that fails for good.
    if (recovered_at_ && now - *recovered_at_ < opts_.registry.unhealthy_after)
      return refuse(errc::busy,
                    why + " (the master started " +
                        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           now - *recovered_at_)
                                           .count()) +
                        " ms ago: chunkservers are still registering)");
    return refuse(errc::no_servers, why);
  }
  auto chains =
      place_chunks(static_cast<uint32_t>(count), opts_.meta.replication, cs, std::move(cands));
  for (uint64_t i = 0; i < count; ++i)
    plan.chunks.push_back({rec->first.value + i,
                           1,
                           std::min(cs, r.size_bytes - i * cs),
                           0,
                           replica_addrs(chains[i]),
                           {}});
  log_and_apply(log_record{*rec}, {t, std::move(plan)}, now, fx);
  return fx;
}

master_effects master_core::on_commit(request_token t, const put_commit& r, core::time_point now,
                                      uint64_t wall_ms) {
  master_effects fx;
  request_id id{r.client_id, r.request_no};
  if (answer_retry(t, id, r.path, fx)) return fx;
  if (locks_.locked_by_other(r.path, r.client_id, now))  // an updater holds the file
    return fx.replies.push_back(
               {t, ns_error(errc::conflict, "commit of " + quote_path(r.path) + ": " +
                                                locks_.held_by(r.path, now))}),
           fx;
  commit_request req{r.path, wall_ms, r.chunk_size_bytes, {}, r.base_version, r.inline_data};
  // An inline version has no chunks yet; its chunk size is the one a later write stores it in.
  if (!r.inline_data.empty() && req.chunk_size_bytes == 0)
    req.chunk_size_bytes = opts_.default_chunk_size_bytes;
  for (auto& c : r.chunks) {
    if (c.replicas.size() < opts_.write_quorum) {
      fx.replies.push_back(
          {t, ns_error(errc::invalid_argument,
                       "chunk " + chunk_handle{c.handle}.to_string() + " is durable on " +
                           std::to_string(c.replicas.size()) + " replicas; quorum.write is " +
                           std::to_string(opts_.write_quorum))});
      return fx;
    }
    req.chunks.push_back({chunk_handle{c.handle}, c.chunk_version, c.size_bytes, c.crc32c});
  }
  if (r.materialize_version != 0) return on_materialize(t, r, req.chunks, now);
  auto rec = meta_.validate_commit(req, now);
  if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
  // Sharing a chunk under a lease would let its primary change what the new version reads.
  if (auto h = leased_chunk(rec->chunks))
    return fx.replies.push_back(
               {t, ns_error(errc::busy, "commit of " + quote_path(r.path) + ": shared chunk " +
                                            h->to_string() + " is leased; ask again later")}),
           fx;
  // The reply names the version this commit creates: by the time the batch is durable, a later
  // commit of the same path may be the newest (found by the storage simulation).
  ns_version created{rec->version_number, rec->mtime_ms, rec->inline_data.size(),
                     rec->chunk_size_bytes, static_cast<uint32_t>(rec->chunks.size())};
  for (auto& c : rec->chunks) created.size_bytes += c.size_bytes;
  request_outcome o{created.number,           created.mtime_ms,    created.size_bytes,
                    created.chunk_size_bytes, created.chunk_count, {}};
  log_client(id, std::move(o), std::move(*rec), {t, commit_waiter{r.path, r.chunks, created}}, now,
             fx);
  return fx;
}

// The chunks now hold an inline version's bytes (master_inline.cpp). Not a client mutation
// with a request id: a retry finds the version no longer inline (conflict), and the client
// then reads the layout again, which is what it does after any conflict here.
master_effects master_core::on_materialize(request_token t, const put_commit& r,
                                           const std::vector<chunk_meta>& chunks,
                                           core::time_point now) {
  master_effects fx;
  auto rec =
      meta_.validate_materialize(r.path, r.materialize_version, r.chunk_size_bytes, chunks, now);
  if (!rec) return fx.replies.push_back({t, ns_error(rec.err())}), fx;
  auto s = meta_.stat(r.path);
  if (!s) return fx.replies.push_back({t, ns_error(s.err())}), fx;
  auto created = to_ns(s->newest);
  created.chunk_size_bytes = rec->chunk_size_bytes;
  created.chunk_count = static_cast<uint32_t>(rec->chunks.size());
  log_and_apply(log_record{std::move(*rec)}, {t, commit_waiter{r.path, r.chunks, created}}, now, fx,
                r.client_id);
  return fx;
}

// -- chunkservers and membership --------------------------------------------------------------

registration_ack master_core::on_register(const chunkserver_registration& r, core::time_point now,
                                          master_effects& fx) {
  on_health_changes(
      registry_.on_register({r.id, r.data_port, r.zone, r.capacity_bytes, r.free_bytes}, now), fx);
  for (auto h : leases_.on_restarted(r.id))
    fail_lease_waiters(h, errc::unavailable,
                       "chunk " + h.to_string() + ": its primary restarted as " + r.id.to_string(),
                       fx);
  used_bytes_[r.id] = r.used_bytes;
  auto rep = meta_.on_full_report(r.id, to_entries(r.chunks), now);
  // The full report was judged against the current versions: what it still lacks is a version
  // it missed (chunk_table::judge).
  version_updates_.erase(r.id);
  note_behind(r.id, rep.behind);
  send_deferred(fx);
  note_cow_copies(r.id, r.chunks);
  fx.events.push_back({event_level::info, "chunk_report node=" + r.id.to_string() +
                                              " chunks=" + std::to_string(r.chunks.size()) +
                                              " delete=" + std::to_string(rep.to_delete.size())});
  return {self_, opts_.heartbeat_interval_ms, durable_deletes(r.id, to_values(rep.to_delete))};
}

heartbeat_reply master_core::on_heartbeat(const chunkserver_heartbeat& hb, core::time_point now,
                                          master_effects& fx) {
  if (!registry_.on_heartbeat(hb.id, hb.capacity_bytes, hb.free_bytes, now)) {
    fx.events.push_back(
        {event_level::info, "heartbeat_from_unregistered node=" + hb.id.to_string()});
    return heartbeat_reply{};  // registered = false
  }
  used_bytes_[hb.id] = hb.used_bytes;
  fx.reads.insert(fx.reads.end(), hb.reads.begin(), hb.reads.end());
  std::vector<uint64_t> del;
  if (auto it = pending_deletes_.find(hb.id); it != pending_deletes_.end()) {
    // The collector's throttle: a chunkserver deletes at most this many chunks per heartbeat,
    // so freeing a large tree does not stall its disk; the rest follows with the next ones.
    auto& q = it->second;
    auto n = std::min<size_t>(q.size(), opts_.max_deletes_per_heartbeat);
    del.assign(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
    q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
    if (q.empty()) pending_deletes_.erase(it);
  }
  heartbeat_reply reply;
  reply.registered = true;
  reply.delete_chunks = std::move(del);
  if (!hb.added.empty() || !hb.removed.empty()) {
    std::vector<chunk_handle> removed;
    for (auto h : hb.removed) removed.push_back(chunk_handle{h});
    auto rep = meta_.on_incremental_report(hb.id, to_entries(hb.added), removed, now);
    if (!hb.removed.empty())
      fx.events.push_back({event_level::info, "replicas_dropped node=" + hb.id.to_string() +
                                                  " count=" + std::to_string(hb.removed.size())});
    auto stale = durable_deletes(hb.id, to_values(rep.to_delete));
    reply.delete_chunks.insert(reply.delete_chunks.end(), stale.begin(), stale.end());
    confirm_versions(hb.id, hb.added);
    note_behind(hb.id, rep.behind);
    send_deferred(fx);
  }
  leases_on_heartbeat(hb, now, reply, fx);
  cows_on_heartbeat(hb, now, reply, fx);
  // After the report: a copy that succeeded is in `added`, so its replica counts before the
  // planner frees the copy's slots and looks at the chunk again.
  on_copy_results(hb, now, fx);
  reply.copy_chunks = take_copy_orders(hb.id);
  return reply;
}

master_effects master_core::on_member_down(const node_id& id, bool left, core::time_point now) {
  master_effects fx;
  auto changes = registry_.mark_removed(id, left ? "membership: left" : "membership: dead");
  on_health_changes(changes, fx);
  // Dead or left: its chunks are repaired at once, not at the next planning interval.
  if (!changes.empty()) plan_repairs(now, fx, true);
  return fx;
}

master_effects master_core::on_tick(core::time_point now, uint64_t wall_ms) {
  master_effects fx;
  auto changes = registry_.on_tick(now);
  on_health_changes(changes, fx);
  // A server removed for silence is repaired at once, as one membership declares dead: not
  // up to repair_interval later.
  bool removed = std::any_of(changes.begin(), changes.end(),
                             [](auto& c) { return c.to == registry::health::removed; });
  leases_on_tick(now, fx);
  dir_leases_.expire(now);
  for (auto& r : release_held(now).replies) fx.replies.push_back(std::move(r));
  advance_cows(now, fx);
  for (auto& a : locks_.on_tick(now)) fx.replies.push_back({a.token, std::move(a.reply)});
  meta_.settle_held(now);
  send_deferred(fx);
  plan_repairs(now, fx, removed);
  if (!journal_failed_)
    if (auto rec = meta_.collect_expired(now)) {
      fx.events.push_back(
          {event_level::info, "handles_abandoned count=" + std::to_string(rec->handles.size())});
      waiter w;
      w.silent = true;
      log_and_apply(log_record{std::move(*rec)}, std::move(w), now, fx);
    }
  if (!journal_failed_ && wall_ms != 0)
    if (auto rec = meta_.collect_expired_trash(wall_ms, opts_.trash_ttl_ms)) {
      fx.events.push_back(
          {event_level::info, "trash_expired entries=" + std::to_string(rec->trash_ids.size())});
      waiter w;
      w.silent = true;
      log_and_apply(log_record{std::move(*rec)}, std::move(w), now, fx);
    }
  maybe_checkpoint(now, fx);
  return fx;
}

void master_core::on_health_changes(const std::vector<registry::health_change>& changes,
                                    master_effects& fx) {
  for (auto& c : changes) {
    auto lvl = c.to == registry::health::healthy ? event_level::info : event_level::warn;
    fx.events.push_back({lvl, std::string("chunkserver_") + registry::to_string(c.to) + " node=" +
                                  c.id.to_string() + " from=" + registry::to_string(c.from) +
                                  " reason=\"" + c.reason + "\""});
    if (c.to == registry::health::removed) {
      meta_.on_node_down(c.id);
      leases_on_node_gone(c.id, fx);
      used_bytes_.erase(c.id);
      pending_deletes_.erase(c.id);
      local_copies_.erase(c.id);
      // Its copies, as source or target, have failed; the next plan finds other servers.
      gone_.push_back(c.id);
      copies_to_send_.erase(c.id);
      for (auto it = copies_.begin(); it != copies_.end();)
        it = it->second.order.source == c.id || it->second.order.target == c.id ? copies_.erase(it)
                                                                                : std::next(it);
    }
  }
}

// -- retries ------------------------------------------------------------------------------------

bool master_core::answer_retry(request_token t, const request_id& id, const std::string& path,
                               master_effects& fx) {
  auto found = meta_.requests().find(id);
  if (found.st == request_table::state::unknown) return false;
  std::string who = "request " + std::to_string(id.seq) + " of client " + std::to_string(id.client);
  if (journal_failed_ && refusal_.empty()) {
    // Its record may be in the batch that failed: the first result is not known to be durable.
    // (A core reloaded from the disk, refusing changes, found it there: it is.)
    fx.replies.push_back({t, ns_error(errc::unavailable, unavailable_text)});
  } else if (found.st == request_table::state::forgotten) {
    fx.replies.push_back(
        {t, ns_error(errc::too_late, who + " is older than the results the master keeps; it " +
                                         "may have been applied (check, then ask again)")});
  } else {
    fx.events.push_back({event_level::debug, "request_retried " + who + " path=" + path});
    if (auto h = held_requests_.find({id.client, id.seq}); h != held_requests_.end()) {
      // Its first answer waits for directory leases: so does this one (the client gave up
      // on the first attempt, which must not let it past the hold).
      held_.emplace(h->second, master_reply{t, outcome_reply(*found.outcome, path)});
      fx.wake_at = held_.begin()->first;
      return true;
    }
    // Once what the first attempt logged is durable, as its own reply would have been.
    answer_read(t, outcome_reply(*found.outcome, path), fx);
  }
  return true;
}

ns_reply master_core::outcome_reply(const request_outcome& o, const std::string& path) const {
  if (o.version == 0) {
    ns_reply r;
    if (!o.path.empty()) r.entries.push_back({o.path, false, 0, 0, 0, 0});  // mv: where to
    return r;
  }
  // A commit: the file as it is now (a copy's: where it went), and the version it created.
  auto s = meta_.stat(o.path.empty() ? path : o.path);
  ns_reply r = s ? stat_reply(*s) : ns_reply{};
  r.versions = {{o.version, o.mtime_ms, o.size_bytes, o.chunk_size_bytes, o.chunk_count}};
  return r;
}

void master_core::log_client(const request_id& id, request_outcome o, client_mutation op, waiter w,
                             core::time_point now, master_effects& fx) {
  if (!id.tagged())
    return log_and_apply(to_record(std::move(op)), std::move(w), now, fx, id.client);
  log_and_apply(log_record{request_record{id, std::move(o), std::move(op)}}, std::move(w), now, fx,
                id.client);
}

// -- the log ----------------------------------------------------------------------------------

void master_core::log_and_apply(log_record rec, waiter w, core::time_point now, master_effects& fx,
                                uint64_t changer) {
  if (journal_failed_) {
    if (w.silent) return;
    if (std::holds_alternative<put_plan>(w.reply))
      fx.replies.push_back({w.token, plan_error(refusal_code(), refusal_text(unavailable_text))});
    else
      fx.replies.push_back({w.token, ns_error(refusal_code(), refusal_text(unavailable_text))});
    return;
  }
  auto candidates = may_free(meta_, rec);
  auto applied = meta_.apply(rec, now);
  // Validation just accepted this record against this very state: refusing it now is our bug.
  DFS_ASSERT(applied.ok(), "a validated record did not apply: " + applied.err().message);
  for (auto& [h, nodes] : candidates)
    if (meta_.chunks().find(chunk_handle{h}) == nullptr)
      for (auto& n : nodes) open_.freed[n].push_back(h);
  for (auto& d : changed_dirs(rec))
    open_.answer_after = std::max(open_.answer_after, dir_leases_.on_change(d, changer, now));
  open_.records.push_back(std::move(rec));
  open_.waiters.push_back(std::move(w));
  if (!flush_requested_ && !in_flight_) {
    flush_requested_ = true;
    fx.flush = true;
  }
}

master_core::batch* master_core::newest_undurable() {
  if (!open_.records.empty()) return &open_;
  return in_flight_ ? &*in_flight_ : nullptr;
}

// Judgements of held replicas (chunk_table::hold_older_reports_until) reach their chunkservers
// with a later heartbeat reply: deletions through the collector's queue, versions as updates.
void master_core::send_deferred(master_effects& fx) {
  for (auto& [n, rep] : meta_.take_deferred()) {
    fx.events.push_back({event_level::info, "held_replicas_judged node=" + n.to_string() +
                                                " stale=" + std::to_string(rep.to_delete.size()) +
                                                " behind=" + std::to_string(rep.behind.size())});
    auto now_del = durable_deletes(n, to_values(rep.to_delete));
    if (!now_del.empty()) {
      auto& q = pending_deletes_[n];
      q.insert(q.end(), now_del.begin(), now_del.end());
    }
    note_behind(n, rep.behind);
  }
}

std::vector<uint64_t> master_core::durable_deletes(const node_id& n,
                                                   std::vector<uint64_t> handles) {
  batch* holder = newest_undurable();
  if (holder == nullptr || handles.empty()) return handles;
  auto& q = holder->freed[n];
  q.insert(q.end(), handles.begin(), handles.end());
  return {};
}

void master_core::answer_read(request_token t, ns_reply r, master_effects& fx) {
  batch* holder = newest_undurable();
  if (holder == nullptr || r.status != errc::ok) return fx.replies.push_back({t, std::move(r)});
  // Built in place: GCC 12 at -O2 warns that a braced waiter{t, r} may copy an uninitialized
  // put_plan out of the variant (a false positive that -Werror turns into an error).
  auto& w = holder->waiters.emplace_back();
  w.token = t;
  w.reply.emplace<ns_reply>(std::move(r));
}

std::optional<log_batch> master_core::take_batch() {
  flush_requested_ = false;
  if (open_.records.empty() || in_flight_) return std::nullopt;
  in_flight_ = std::move(open_);
  open_ = batch{};
  in_flight_id_ = next_batch_id_++;
  return log_batch{in_flight_id_, in_flight_->records};
}

void master_core::refuse_changes(const std::string& why) {
  journal_failed_ = true;
  refusal_ = "the master's journal failed (" + why +
             "): it serves what its disk holds and takes no changes until it is restarted";
}

master_effects master_core::on_batch_durable(uint64_t batch_id, bool ok, uint64_t log_bytes,
                                             core::time_point now) {
  master_effects fx;
  DFS_ASSERT(in_flight_ && batch_id == in_flight_id_,
             "on_batch_durable for batch " + std::to_string(batch_id) + " not in flight");
  auto b = std::move(*in_flight_);
  in_flight_.reset();
  if (!ok && !journal_failed_) {
    // What reached the disk is unknown: refuse every later mutation (restart to recover).
    journal_failed_ = true;
    fx.events.push_back({event_level::critical, "journal_append_failed action=refuse_mutations"});
  }
  if (ok) {
    records_since_checkpoint_ += b.records.size();
    durable_records_ += b.records.size();
    log_bytes_ = log_bytes;
    logged_while_checkpointing_ |= checkpoint_pending_;
  }
  auto answers_from = fx.replies.size();
  deliver(b, ok, fx);
  if (ok && b.answer_after > now) {
    hold_answers(b.answer_after, fx, answers_from);
    for (auto& rec : b.records)
      if (auto* r = std::get_if<request_record>(&rec); r && r->id.tagged())
        held_requests_[{r->id.client, r->id.seq}] = b.answer_after;
  }
  if (journal_failed_) {
    // Records applied after the failed batch can never become durable either.
    deliver(open_, false, fx);
    open_ = batch{};
  } else if (!open_.records.empty()) {
    flush_requested_ = true;
    fx.flush = true;
  }
  maybe_checkpoint(now, fx);
  return fx;
}

// The batch is durable, but a directory it changed is still leased to another client: its
// answers (and those of reads that saw it) wait for the leases to end.
void master_core::hold_answers(core::time_point until, master_effects& fx, size_t from) {
  for (auto i = from; i < fx.replies.size(); ++i) held_.emplace(until, std::move(fx.replies[i]));
  fx.replies.resize(from);
  fx.wake_at = held_.begin()->first;
}

master_effects master_core::release_held(core::time_point now) {
  master_effects fx;
  auto end = held_.upper_bound(now);
  for (auto it = held_.begin(); it != end; ++it) fx.replies.push_back(std::move(it->second));
  held_.erase(held_.begin(), end);
  if (!held_.empty()) fx.wake_at = held_.begin()->first;
  for (auto it = held_requests_.begin(); it != held_requests_.end();)
    it = it->second <= now ? held_requests_.erase(it) : std::next(it);
  return fx;
}

void master_core::deliver(batch& b, bool ok, master_effects& fx) {
  on_bumps_logged(b, ok, fx);
  on_cow_allocations_logged(b, ok, fx);
  if (ok)
    for (auto& [n, hs] : b.freed) {
      auto& q = pending_deletes_[n];
      q.insert(q.end(), hs.begin(), hs.end());
    }
  for (auto& w : b.waiters) {
    if (w.silent) continue;
    if (auto* p = std::get_if<put_plan>(&w.reply)) {
      fx.replies.push_back(
          {w.token, ok ? std::move(*p) : plan_error(errc::unavailable, unavailable_text)});
    } else if (auto* c = std::get_if<commit_waiter>(&w.reply)) {
      if (!ok) {
        fx.replies.push_back({w.token, ns_error(errc::unavailable, unavailable_text)});
        continue;
      }
      for (auto& ch : c->chunks) {
        std::vector<node_id> nodes;
        for (auto& a : ch.replicas) nodes.push_back(a.id);
        meta_.note_replicas(chunk_handle{ch.handle}, nodes);
      }
      auto s = meta_.stat(c->path);
      auto reply = s ? stat_reply(*s) : ns_error(s.err());
      if (s) reply.versions = {c->created};
      fx.replies.push_back({w.token, std::move(reply)});
    } else {
      auto& r = std::get<ns_reply>(w.reply);
      fx.replies.push_back(
          {w.token, ok ? std::move(r) : ns_error(errc::unavailable, unavailable_text)});
    }
  }
}

void master_core::maybe_checkpoint(core::time_point now, master_effects& fx) {
  // Only with nothing open or in flight, so the snapshot holds no record the log lacks.
  if (!idle() || records_since_checkpoint_ == 0 || journal_failed_ || checkpoint_pending_) return;
  bool by_size = log_bytes_ >= opts_.checkpoint_bytes;
  bool by_time = now - last_checkpoint_ >= opts_.checkpoint_interval;
  if (!by_size && !by_time) return;
  checkpoint_pending_ = true;
  records_at_checkpoint_ = records_since_checkpoint_;
  records_in_checkpoint_ = durable_records_;
  logged_while_checkpointing_ = false;
  fx.checkpoint = meta_.snapshot();
}

master_effects master_core::on_checkpoint_done(bool ok, const std::string& error,
                                               core::time_point now) {
  master_effects fx;
  checkpoint_pending_ = false;
  last_checkpoint_ = now;
  if (!ok) {
    // The log still holds everything: a failed checkpoint costs replay time, not data.
    fx.events.push_back({event_level::error, "checkpoint_failed error=\"" + error + "\""});
    return fx;
  }
  fx.events.push_back(
      {event_level::info, "checkpoint records=" + std::to_string(records_at_checkpoint_) +
                              " files=" + std::to_string(meta_.file_count())});
  // Records logged while the checkpoint was written (on the journal's thread) are after it:
  // they count toward the next one, and log_bytes_ already measures the new segment.
  records_since_checkpoint_ -= std::min(records_since_checkpoint_, records_at_checkpoint_);
  if (!logged_while_checkpointing_) log_bytes_ = 0;
  return fx;
}

// -- replies ----------------------------------------------------------------------------------

std::vector<replica_addr> master_core::replica_addrs(const std::vector<node_id>& nodes) const {
  std::vector<replica_addr> out;
  auto servers = registry_.list();
  for (auto& n : nodes)
    for (auto& s : servers)
      if (s.id == n && s.state != registry::health::removed) out.push_back({n, s.data_port});
  return out;
}

ns_reply master_core::layout_reply(const file_layout& l) const {
  return master::layout_reply(l,
                              [this](const std::vector<node_id>& n) { return replica_addrs(n); });
}

}  // namespace dfs::master
