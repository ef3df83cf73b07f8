// The metadata half of the master actor: requests -> validated records -> apply -> group
// commit -> answer. Validation and apply run one request at a time in the actor, so a record
// always fits the state it was built from; the answer waits for the batch's fdatasync, so
// nothing is acknowledged that a crash could lose.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <variant>

#include <caf/all.hpp>

#include "actors/master/master_actor.hpp"
#include "common/logging.hpp"
#include "core/master/placement.hpp"

namespace dfs {

namespace {

constexpr uint64_t min_chunk_bytes = 1024;
constexpr uint64_t max_chunk_bytes = 64ull << 20;

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

master::master_options options_of(const config& cfg) {
  master::master_options o;
  o.max_versions = cfg.master.max_versions;
  o.replication = cfg.quorum.replication;
  o.handle_grace = std::chrono::milliseconds(cfg.master.handle_grace_ms);
  o.min_chunk_size_bytes = min_chunk_bytes;
  o.max_chunk_size_bytes = max_chunk_bytes;
  return o;
}

ns_reply ns_error(const master::error& e) {
  ns_reply r;
  r.status = static_cast<int32_t>(e.code);
  r.error = e.message;
  return r;
}

put_plan plan_error(std::string msg) {
  put_plan p;
  p.status = 1;
  p.error = std::move(msg);
  return p;
}

ns_version to_ns(const master::version_info& v) {
  return {v.number, v.mtime_ms, v.size_bytes, v.chunk_size_bytes,
          static_cast<uint32_t>(v.chunks.size())};
}

[[noreturn]] void fatal(const std::string& what) {
  log::get("master")->critical("{}", what);
  log::shutdown();
  _exit(3);
}

void maybe_checkpoint(master_self self) {
  auto& st = self->state;
  if (!st.batch.empty() || st.records_since_checkpoint == 0 || st.journal_failed) return;
  auto now = core::clock::now();
  bool by_size = st.log->segment_bytes() >= st.cfg.master.checkpoint_bytes;
  bool by_time =
      now - st.last_checkpoint >= std::chrono::milliseconds(st.cfg.master.checkpoint_interval_ms);
  if (!by_size && !by_time) return;
  auto t0 = core::clock::now();
  if (auto s = st.log->checkpoint(st.meta.snapshot()); !s) {
    // The log still holds everything: a failed checkpoint costs replay time, not data.
    log::get("master")->error("checkpoint_failed error=\"{}\"", s.message);
    st.last_checkpoint = now;
    return;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(core::clock::now() - t0);
  log::get("master")->info("checkpoint seq={} records={} files={} took_ms={}", st.log->sequence(),
                           st.records_since_checkpoint, st.meta.file_count(), ms.count());
  st.records_since_checkpoint = 0;
  st.last_checkpoint = now;
}

ns_reply stat_reply(const master::file_stat& s) {
  ns_reply r;
  ns_entry e{s.path,
             s.is_dir,
             s.newest.size_bytes,
             s.newest.mtime_ms,
             s.version_count,
             static_cast<uint32_t>(s.newest.chunks.size())};
  if (s.is_dir) e.chunk_count = s.child_count;
  r.entries.push_back(e);
  if (!s.is_dir) r.versions.push_back(to_ns(s.newest));
  return r;
}

ns_reply layout_reply(const master_state& st, const master::file_layout& l) {
  ns_reply r;
  r.versions.push_back(to_ns(l.version));
  for (auto& c : l.chunks)
    r.chunks.push_back({c.meta.handle.value, c.meta.chunk_version, c.meta.size_bytes, c.meta.crc32c,
                        replica_addrs(st, c.replicas)});
  return r;
}

// A mutation (mkdir, rm): answered after the record is durable.
caf::result<ns_reply> mutate(master_self self, master::result<master::log_record> rec) {
  if (!rec) return ns_error(rec.err());
  auto rp = self->make_response_promise<ns_reply>();
  log_and_apply(self, std::move(*rec), [rp](bool ok) mutable {
    rp.deliver(ok ? ns_reply{} : ns_reply{1, "the master could not log the change", {}, {}, {}});
  });
  return rp;
}

template <class R>
master::result<master::log_record> as_record(master::result<R> r) {
  if (!r) return r.err();
  return master::log_record{std::move(*r)};
}

// Chunks a record may free, with their replicas before it applies: the versions of the path
// it removes or adds a version to.
std::map<uint64_t, std::set<node_id>> may_free(const master::master_state& meta,
                                               const master::log_record& rec) {
  std::map<uint64_t, std::set<node_id>> out;
  const std::string* path = nullptr;
  if (auto* r = std::get_if<master::remove_record>(&rec)) path = &r->path;
  if (auto* c = std::get_if<master::commit_record>(&rec)) path = &c->path;
  if (path == nullptr) return out;
  auto vs = meta.versions(*path, 100000);
  if (!vs) return out;
  for (auto& v : *vs)
    for (auto h : v.chunks)
      if (auto* e = meta.chunks().find(h)) out[h.value] = e->replicas;
  return out;
}

}  // namespace

std::vector<replica_addr> replica_addrs(const master_state& st, const std::vector<node_id>& ns) {
  std::vector<replica_addr> out;
  auto servers = st.registry.list();
  for (auto& n : ns)
    for (auto& s : servers)
      if (s.id == n && s.state != registry::health::removed) out.push_back({n, s.data_port});
  return out;
}

void recover_metadata(master_self self) {
  auto& st = self->state;
  auto log = log::get("master");
  auto dir = st.cfg.node.data_dir + "/master";
  st.log = std::make_unique<journal>(dir);
  journal_recovery rec;
  if (auto s = st.log->recover(rec); !s)
    fatal("journal_unusable dir=" + dir + " error=\"" + s.message + "\"");
  for (auto& w : rec.warnings) log->warn("journal_recovery {}", w);
  auto now = core::clock::now();
  auto state = rebuild_state(rec, options_of(st.cfg), now);
  if (!state) fatal("journal_replay_failed error=\"" + state.err().message + "\"");
  st.meta = std::move(*state);
  st.last_checkpoint = now;
  st.records_since_checkpoint = rec.records.size();
  log->info("metadata_recovered checkpoint={} records={} files={} bytes={}",
            rec.has_checkpoint ? std::to_string(rec.checkpoint_sequence) : "none",
            rec.records.size(), st.meta.file_count(), st.meta.total_file_bytes());
}

void log_and_apply(master_self self, master::log_record rec, std::function<void(bool)> done) {
  auto& st = self->state;
  if (st.journal_failed) return done(false);
  auto candidates = may_free(st.meta, rec);
  if (auto ok = st.meta.apply(rec, core::clock::now()); !ok) {
    log::get("master")->error("apply_failed error=\"{}\"", ok.err().message);
    return done(false);
  }
  for (auto& [h, nodes] : candidates)
    if (st.meta.chunks().find(master::chunk_handle{h}) == nullptr)
      for (auto& n : nodes) st.pending_deletes[n].push_back(h);
  st.batch.push_back(std::move(rec));
  st.waiters.push_back(std::move(done));
  if (!st.flush_scheduled) {
    // Requests already in the mailbox are handled before this message: they join the batch.
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

void flush_journal(master_self self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.batch.empty()) return;
  auto s = st.log->append(st.batch);
  auto waiters = std::move(st.waiters);
  auto count = st.batch.size();
  st.waiters.clear();
  st.batch.clear();
  if (!s) {
    // What reached the disk is unknown: refuse every later mutation (journal.hpp).
    st.journal_failed = true;
    log::get("master")->critical("journal_append_failed error=\"{}\" action=refuse_mutations",
                                 s.message);
  } else {
    st.records_since_checkpoint += count;
  }
  for (auto& w : waiters) w(s.ok());
  maybe_checkpoint(self);
}

void on_meta_tick(master_self self) {
  auto& st = self->state;
  if (auto rec = st.meta.collect_expired(core::clock::now())) {
    log::get("master")->info("handles_abandoned count={}", rec->handles.size());
    log_and_apply(self, std::move(*rec), [](bool) {});
  }
  maybe_checkpoint(self);
}

caf::result<ns_reply> handle_ns(master_self self, const ns_request& r) {
  auto& meta = self->state.meta;
  if (r.op == "mkdir") return mutate(self, as_record(meta.validate_mkdir(r.path)));
  if (r.op == "rm") return mutate(self, as_record(meta.validate_remove(r.path)));
  if (r.op == "ls") {
    auto l = meta.ls(r.path);
    if (!l) return ns_error(l.err());
    ns_reply out;
    for (auto& e : *l)
      out.entries.push_back(
          {e.name, e.is_dir, e.size_bytes, e.mtime_ms, e.version_count, e.chunk_count});
    return out;
  }
  if (r.op == "stat") {
    auto s = meta.stat(r.path);
    return s ? stat_reply(*s) : ns_error(s.err());
  }
  if (r.op == "versions") {
    auto v = meta.versions(r.path, static_cast<uint32_t>(std::clamp<uint64_t>(r.arg, 1, 1000)));
    if (!v) return ns_error(v.err());
    ns_reply out;
    for (auto& x : *v) out.versions.push_back(to_ns(x));
    return out;
  }
  if (r.op == "layout") {
    auto l = meta.layout(r.path, r.arg);
    return l ? layout_reply(self->state, *l) : ns_error(l.err());
  }
  return ns_reply{1, "unknown namespace operation '" + r.op + "'", {}, {}, {}};
}

caf::result<put_plan> handle_put(master_self self, const put_request& r) {
  auto& st = self->state;
  uint64_t cs = r.chunk_size_bytes != 0 ? r.chunk_size_bytes : st.cfg.master.chunk_size_bytes;
  if (cs < min_chunk_bytes || cs > max_chunk_bytes)
    return plan_error("chunk size " + std::to_string(cs) + " bytes out of range 1KiB..64MiB");
  uint64_t count = (r.size_bytes + cs - 1) / cs;
  if (count > st.meta.options().max_chunks_per_put)
    return plan_error("file of " + std::to_string(r.size_bytes) + " bytes needs " +
                      std::to_string(count) + " chunks; at most " +
                      std::to_string(st.meta.options().max_chunks_per_put) + " per put");
  auto check = st.meta.validate_allocate(r.path, 1);  // the path, for every size
  if (!check) return plan_error(check.err().message);
  put_plan plan;
  plan.chunk_size_bytes = cs;
  plan.write_quorum = st.cfg.quorum.write;
  if (count == 0) return plan;
  std::vector<master::placement_candidate> cands;
  for (auto& s : st.registry.list())
    if (s.state == registry::health::healthy)
      cands.push_back({s.id, s.free_bytes, 0, true, s.zone});
  if (cands.size() < st.cfg.quorum.write)
    return plan_error(std::to_string(cands.size()) +
                      " healthy chunkservers; a put needs at "
                      "least quorum.write = " +
                      std::to_string(st.cfg.quorum.write));
  auto rec = st.meta.validate_allocate(r.path, static_cast<uint32_t>(count));
  if (!rec) return plan_error(rec.err().message);
  auto chains = master::place_chunks(static_cast<uint32_t>(count), st.cfg.quorum.replication, cs,
                                     std::move(cands));
  for (uint64_t i = 0; i < count; ++i)
    plan.chunks.push_back({rec->first.value + i, 1, std::min(cs, r.size_bytes - i * cs), 0,
                           replica_addrs(st, chains[i])});
  auto rp = self->make_response_promise<put_plan>();
  log_and_apply(self, std::move(*rec), [rp, plan](bool ok) mutable {
    rp.deliver(ok ? plan : plan_error("the master could not log the allocation"));
  });
  return rp;
}

caf::result<ns_reply> handle_commit(master_self self, const put_commit& r) {
  auto& st = self->state;
  master::commit_request req{r.path, wall_ms(), r.chunk_size_bytes, {}};
  for (auto& c : r.chunks) {
    if (c.replicas.size() < st.cfg.quorum.write)
      return ns_reply{1,
                      "chunk " + master::chunk_handle{c.handle}.to_string() + " is durable on " +
                          std::to_string(c.replicas.size()) + " replicas; quorum.write is " +
                          std::to_string(st.cfg.quorum.write),
                      {},
                      {},
                      {}};
    req.chunks.push_back({master::chunk_handle{c.handle}, c.chunk_version, c.size_bytes, c.crc32c});
  }
  auto rec = st.meta.validate_commit(req, core::clock::now());
  if (!rec) return ns_error(rec.err());
  auto rp = self->make_response_promise<ns_reply>();
  auto path = r.path;
  auto chunks = r.chunks;
  log_and_apply(self, std::move(*rec), [self, rp, path, chunks](bool ok) mutable {
    if (!ok) {
      rp.deliver(ns_reply{1, "the master could not log the commit", {}, {}, {}});
      return;
    }
    for (auto& c : chunks) {
      std::vector<node_id> nodes;
      for (auto& a : c.replicas) nodes.push_back(a.id);
      self->state.meta.note_replicas(master::chunk_handle{c.handle}, nodes);
    }
    auto s = self->state.meta.stat(path);
    rp.deliver(s ? stat_reply(*s) : ns_error(s.err()));
  });
  return rp;
}

}  // namespace dfs
