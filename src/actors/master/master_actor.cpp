#include "actors/master/master_actor.hpp"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include <caf/all.hpp>

#include "actors/master/master_status.hpp"
#include "common/assert.hpp"
#include "common/logging.hpp"
#include "common/wall_clock.hpp"
#include "core/master/capabilities.hpp"
#include "core/master/stale_reads.hpp"
#include "core/security/capability.hpp"

namespace dfs {

namespace {

constexpr auto tick_interval = std::chrono::milliseconds(200);
// Gauges and the status page are refreshed once a second: the under-replicated count walks every
// chunk.
constexpr uint32_t metrics_every_ticks = 5;

void count_op(master_self self, const char* op) {
  if (self->state.metrics) self->state.metrics->count_op(op);
}

}  // namespace

master::core_options core_options_of(const config& cfg) {
  master::core_options o;
  o.meta.max_versions = cfg.master.max_versions;
  o.meta.replication = cfg.quorum.replication;
  o.meta.handle_grace = std::chrono::milliseconds(cfg.master.handle_grace_ms);
  o.meta.inline_max_bytes = cfg.master.inline_max_bytes;
  o.meta.inline_budget_bytes = uint64_t{cfg.master.inline_budget_mib} << 20;
  o.meta.requests = {cfg.master.request_results_per_client, cfg.master.request_clients};
  o.write_quorum = cfg.quorum.write;
  o.default_chunk_size_bytes = cfg.master.chunk_size_bytes;
  o.heartbeat_interval_ms = cfg.chunkserver.heartbeat_interval_ms;
  o.registry = {std::chrono::milliseconds(cfg.master.unhealthy_after_ms),
                std::chrono::milliseconds(cfg.master.removed_after_ms)};
  o.checkpoint_bytes = cfg.master.checkpoint_bytes;
  o.checkpoint_interval = std::chrono::milliseconds(cfg.master.checkpoint_interval_ms);
  o.copy_timeout = std::chrono::milliseconds(cfg.repair.copy_timeout_ms);
  o.trash_ttl_ms = uint64_t{cfg.master.trash_ttl_s} * 1000;
  o.dir_lease_term = std::chrono::milliseconds(cfg.master.dir_lease_ms);
  o.hot_max_replicas = cfg.replicator.max_replicas;
  o.balance_threshold_pct = cfg.balance.threshold_pct;
  o.lease.duration = std::chrono::milliseconds(cfg.lease.duration_ms);
  o.lease.max_drift_ppm = cfg.lease.max_drift_ppm;
  o.lease.offer_timeout = std::chrono::milliseconds(cfg.lease.offer_timeout_ms);
  o.lock.max_ttl = std::chrono::milliseconds(cfg.lock.max_ttl_ms);
  return o;
}

[[noreturn]] void master_fatal(const std::string& what) {
  log::get("master")->critical("{}", what);
  log::shutdown();
  _exit(3);
}

spdlog::level::level_enum level_of(master::event_level l) {
  switch (l) {
    case master::event_level::debug:
      return spdlog::level::debug;
    case master::event_level::info:
      return spdlog::level::info;
    case master::event_level::warn:
      return spdlog::level::warn;
    case master::event_level::error:
      return spdlog::level::err;
    case master::event_level::critical:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

namespace {

// An update for the repair actor; `then` runs after its answer is carried out (a heartbeat
// reply waiting for the orders a settled copy made room for), also when the actor failed.
template <class F>
void ask_repair(master_self self, master::repair_update u, F then) {
  auto& st = self->state;
  self->request(st.repair, caf::infinite, repair_atom::value, std::move(u))
      .then(
          [=](const master::repair_answer& a) mutable {
            if (self->state.core)  // else this master stepped down meanwhile
              carry_out(self, self->state.core->on_repair_answer(a, core::clock::now()));
            then();
          },
          [=](caf::error& e) mutable {
            log::get("master")->error("repair_actor_failed error=\"{}\"", caf::to_string(e));
            then();
          });
}

// Chunks leave the master only with the capability their chunkservers ask for: write tokens
// with a plan, read tokens with a layout.
void sign_chunks(master_state& st, put_plan& p) {
  master::grant_writes(p, st.capability_key, wall_clock_ms() + st.cfg.master.capability_ttl_ms);
}
void sign_chunks(master_state& st, ns_reply& r) {
  master::grant_reads(r, st.capability_key, wall_clock_ms() + st.cfg.master.capability_ttl_ms);
}
void sign_chunks(master_state& st, lease_reply& r) {
  master::grant_mutations(r, st.capability_key, wall_clock_ms() + st.cfg.master.capability_ttl_ms);
}
void sign_chunks(master_state&, lock_reply&) {}  // names no chunks

// Writes a checkpoint the core asked for on the journal's thread; its outcome comes back as a
// checkpoint_done message, then goes to the core. The actor logs and answers meanwhile.
void write_checkpoint(master_self self, master::master_snapshot snap) {
  auto& st = self->state;
  if (!st.core->checkpoint_is_current()) {
    // Never expected: the request port logs nothing while effects wait for this actor
    // (master_reads::mutate). Written, it would lack records whose segment it deletes.
    carry_out(self, st.core->on_checkpoint_done(false, "records were logged after its snapshot",
                                                core::clock::now()));
    return;
  }
  auto t0 = core::clock::now();
  auto seq = st.log->sequence() + 1;
  auto me = caf::actor_cast<master_actor>(self);
  auto s = st.log->checkpoint_in_background(std::move(snap), [me, seq, t0](io_status done) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(core::clock::now() - t0);
    caf::anon_send(me, checkpoint_done_atom::value, seq,
                   done ? std::string() : "checkpoint write failed: " + done.message,
                   static_cast<int64_t>(ms.count()));
  });
  if (!s) {
    carry_out(self, st.core->on_checkpoint_done(false, s.message, core::clock::now()));
    return;
  }
  st.checkpoint_seq = seq;
}

}  // namespace

void carry_out(master_self self, master::master_effects fx) {
  auto& st = self->state;
  auto log = log::get("master");
  for (auto& e : fx.events) log->log(level_of(e.level), "{}", e.text);
  for (auto& r : fx.replies) {
    auto it = st.promises.find(r.token);
    if (it == st.promises.end()) continue;
    // The core answers each request in kind: a put with a plan, the rest with an ns_reply.
    bool delivered = false;
    if (auto* p = std::get_if<caf::typed_response_promise<ns_reply>>(&it->second)) {
      if (auto* v = std::get_if<ns_reply>(&r.reply)) {
        sign_chunks(st, *v);
        p->deliver(std::move(*v)), delivered = true;
      }
    } else if (auto* p = std::get_if<caf::typed_response_promise<put_plan>>(&it->second)) {
      if (auto* v = std::get_if<put_plan>(&r.reply)) {
        sign_chunks(st, *v);
        p->deliver(std::move(*v)), delivered = true;
      }
    } else if (auto* p = std::get_if<caf::typed_response_promise<lease_reply>>(&it->second)) {
      if (auto* v = std::get_if<lease_reply>(&r.reply)) p->deliver(std::move(*v)), delivered = true;
    } else if (auto* p = std::get_if<caf::typed_response_promise<lock_reply>>(&it->second)) {
      if (auto* v = std::get_if<lock_reply>(&r.reply)) p->deliver(std::move(*v)), delivered = true;
    } else if (auto* w = std::get_if<master_state::console_waiter>(&it->second)) {
      if (auto* v = std::get_if<ns_reply>(&r.reply)) {
        w->rp.deliver(v->status == ns_status::ok ? admin_reply{0, w->ok_text}
                                                 : admin_reply{1, v->error + "\n"});
        delivered = true;
      }
    }
    DFS_ASSERT(delivered, "master core answered a request with the wrong reply type");
    st.promises.erase(it);
  }
  // Requests already in the mailbox are handled before this message: they join the batch.
  if (fx.flush) self->send(self, flush_atom::value);
  // Answers held for directory leases: the flush handler releases them.
  if (fx.wake_at)
    self->delayed_send(self,
                       std::max(*fx.wake_at - core::clock::now(), core::duration::zero()) +
                           std::chrono::milliseconds(1),
                       flush_atom::value);
  if (fx.checkpoint) {
    // Replicated masters checkpoint through the replicated log's own snapshots.
    if (st.log)
      write_checkpoint(self, std::move(*fx.checkpoint));
    else if (st.core)
      carry_out(self, st.core->on_checkpoint_done(true, {}, core::clock::now()));
  }
  if (!fx.reads.empty()) self->send(st.replicator, hot_atom::value, std::move(fx.reads));
  if (fx.repair) ask_repair(self, std::move(*fx.repair), [] {});
}

namespace {

// The replicator's hot chunks, asked for before each repair plan.
void ask_hot_chunks(master_self self) {
  self->request(self->state.replicator, caf::infinite, hot_atom::value)
      .then(
          [=](const std::vector<uint64_t>& hot) {
            if (self->state.core) self->state.core->set_hot_chunks(hot);
          },
          [](caf::error& e) {
            log::get("master")->error("replicator_actor_failed error=\"{}\"", caf::to_string(e));
          });
}

// A heartbeat's reply carries the copy orders for its sender. When its copy results freed
// slots, the core asked for a plan at once: the reply waits for the repair actor's answer, so
// that it carries the next copies (a copy takes about a second; waiting for the next heartbeat
// would idle the target that long).
caf::result<heartbeat_reply> answer_heartbeat(master_self self, const chunkserver_heartbeat& hb) {
  auto& st = self->state;
  master::master_effects fx;
  auto reply = st.core->on_heartbeat(hb, core::clock::now(), fx);
  auto sign = [self](heartbeat_reply& r) {
    r.master_term = self->state.active_term;
    master::grant_copies(r, self->state.capability_key,
                         wall_clock_ms() + self->state.cfg.master.capability_ttl_ms);
  };
  if (!fx.repair) {
    sign(reply);
    carry_out(self, std::move(fx));
    return reply;
  }
  auto update = std::move(*fx.repair);
  fx.repair.reset();
  carry_out(self, std::move(fx));
  auto rp = self->make_response_promise<heartbeat_reply>();
  ask_repair(self, std::move(update), [=, id = hb.id]() mutable {
    if (!self->state.core) {
      rp.deliver(caf::make_error(caf::sec::runtime_error, not_leader_line(self->state)));
      return;
    }
    auto more = self->state.core->take_copy_orders(id);
    reply.copy_chunks.insert(reply.copy_chunks.end(), more.begin(), more.end());
    sign(reply);
    rp.deliver(std::move(reply));
  });
  return rp;
}

// fault.crash_after_log (test only): the kind of client mutation after whose durable record
// the master dies before answering, so that a test sees a client retry a request that applied.
const char* client_op_name(const master::client_mutation& op) {
  switch (master::kind_of(op)) {
    case master::record_kind::commit_version:
      return "commit";
    case master::record_kind::mkdir:
      return "mkdir";
    case master::record_kind::remove:
    case master::record_kind::trash:
      return "rm";
    case master::record_kind::rename:
      return "mv";
    case master::record_kind::restore:
      return "undelete";
    case master::record_kind::purge:
      return "purge";
    default:
      return "";
  }
}

}  // namespace

void maybe_crash_after_log(const std::string& fault, const master::log_batch& b) {
  if (fault.empty()) return;
  auto crash = [](const std::string& what) {
    log::get("master")->critical("fault_crash_after_log {}", what);
    log::shutdown();
    _exit(9);
  };
  for (auto& r : b.records) {
    if (auto* q = std::get_if<master::request_record>(&r)) {
      if (fault == "any" || fault == client_op_name(q->op))
        crash(std::string("op=") + client_op_name(q->op) +
              " client=" + std::to_string(q->id.client) + " request=" + std::to_string(q->id.seq));
    } else if (auto* g = std::get_if<master::grow_record>(&r); g && fault == "grow") {
      // A size grown after appends or a write: no request number (growing is idempotent).
      crash("op=grow path=" + g->path + " size=" + std::to_string(g->size_bytes));
    }
  }
}

void log_batches(master_state& st, const std::function<void(master::master_effects)>& done) {
  while (auto batch = st.core->take_batch()) {
    auto s = st.log->append(batch->records);
    if (!s) {
      log::get("master")->critical("journal_append_failed error=\"{}\"", s.message);
      if (st.journal_error.empty()) st.journal_error = s.message;
    }
    if (s) maybe_crash_after_log(st.cfg.fault.crash_after_log, *batch);
    done(st.core->on_batch_durable(batch->id, s.ok(), st.log->segment_bytes(), core::clock::now()));
  }
}

namespace {

void flush_journal(master_self self) {
  log_batches(self->state, [self](master::master_effects fx) { carry_out(self, std::move(fx)); });
  if (journal_reload_due(self->state)) reload_after_journal_failure(self);
}

void recover_metadata(master_self self) {
  auto& st = self->state;
  auto log = log::get("master");
  auto dir = st.cfg.node.data_dir + "/master";
  st.log = std::make_unique<journal>(dir);  // the old one's checkpoint, if any, has ended
  st.checkpoint_seq = 0;                    // and its checkpoint_done is not this core's
  journal_recovery rec;
  if (auto s = st.log->recover(rec); !s)
    master_fatal("journal_unusable dir=" + dir + " error=\"" + s.message + "\"");
  for (auto& w : rec.warnings) log->warn("journal_recovery {}", w);
  if (auto ok = st.core->recover(rec.snapshot, rec.records, core::clock::now()); !ok)
    master_fatal("journal_replay_failed error=\"" + ok.err().message + "\"");
  log->info("metadata_recovered checkpoint={} records={} files={} bytes={}",
            rec.has_checkpoint ? std::to_string(rec.checkpoint_sequence) : "none",
            rec.records.size(), st.core->meta().file_count(), st.core->meta().total_file_bytes());
}

}  // namespace

void answer_waiters(master_self self, ns_status status, const std::string& line) {
  auto& st = self->state;
  for (auto& [token, p] : st.promises) {
    if (auto* ns = std::get_if<caf::typed_response_promise<ns_reply>>(&p)) {
      ns_reply r;
      r.status = status, r.error = line;
      ns->deliver(std::move(r));
    } else if (auto* plan = std::get_if<caf::typed_response_promise<put_plan>>(&p)) {
      put_plan r;
      r.status = status, r.error = line;
      plan->deliver(std::move(r));
    } else if (auto* l = std::get_if<caf::typed_response_promise<lease_reply>>(&p)) {
      lease_reply r;
      r.status = status, r.error = line;
      l->deliver(std::move(r));
    } else if (auto* k = std::get_if<caf::typed_response_promise<lock_reply>>(&p)) {
      lock_reply r;  // a waiting lock request: the next core knows no locks
      r.status = status, r.error = line;
      k->deliver(std::move(r));
    } else if (auto* w = std::get_if<master_state::console_waiter>(&p)) {
      w->rp.deliver(admin_reply{1, line + "\n"});
    }
  }
  st.promises.clear();
}

// The core applies a change before its batch is on disk, so after a failed append it holds
// changes the disk lacks, and reads would show files a restart takes back. What reached the
// disk is what the master serves from now on: the metadata is loaded again from the journal
// (a torn tail cut, as at a restart), and changes stay refused until the operator frees the
// disk and restarts the master. Chunkservers register again (the new core asks them to).
void reload_after_journal_failure(master_self self) {
  auto& st = self->state;
  auto why = st.journal_error;
  log::get("master")->critical("journal_failed action=reload_from_disk error=\"{}\"", why);
  st.port_effects.clear();  // the old core's, for a state that is gone
  st.core = std::make_unique<master::master_core>(core_options_of(st.cfg), st.id);
  recover_metadata(self);
  st.core->refuse_changes(why);
  // Some of them wait for a change that is on the disk (an answer held for a directory lease):
  // they ask again, and the reloaded core answers each retry with its first result if the disk
  // holds it, and with the refusal if not.
  answer_waiters(self, ns_status::unavailable, "the master's journal failed: ask again");
}

namespace {

// A request whose reply the core may give now or after its batch is durable.
// A master that just became active knows no chunkserver until they register again (about one
// heartbeat): a put then is told to ask again (`unavailable`, which clients retry within their
// timeout) instead of failing with no_servers.
std::optional<put_plan> registering(const master_state& st) {
  if (!st.repl || !st.core) return std::nullopt;
  auto since = core::clock::now() - st.active_since;
  if (since > std::chrono::milliseconds(st.cfg.master.unhealthy_after_ms) * 2) return std::nullopt;
  if (st.core->registry().count(registry::health::healthy) >= st.cfg.quorum.write)
    return std::nullopt;
  put_plan p;
  p.status = ns_status::unavailable;
  p.error = "this master became active " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(since).count()) +
            " ms ago; chunkservers are registering: ask again";
  return p;
}

// An answer the client acts on by itself: not_leader (a standby: ask the active master) or
// unavailable (ask again: an active master out of its read lease, may_answer_locally).
template <class Reply>
Reply retry_reply(ns_status status, std::string line) {
  Reply r;
  r.status = status;
  r.error = std::move(line);
  return r;
}

template <class Reply, class F>
caf::result<Reply> ask_core(master_self self, F call) {
  auto& st = self->state;
  if (!st.core) return retry_reply<Reply>(ns_status::not_leader, not_leader_line(st));
  auto token = st.next_token++;
  auto fx = call(*st.core, token);
  // Answered at once (queries with nothing pending, refusals): a plain reply, no promise.
  for (auto it = fx.replies.begin(); it != fx.replies.end(); ++it) {
    if (it->token != token) continue;
    auto* now = std::get_if<Reply>(&it->reply);
    DFS_ASSERT(now != nullptr, "master core answered a request with the wrong reply type");
    Reply reply = std::move(*now);
    sign_chunks(st, reply);
    fx.replies.erase(it);
    carry_out(self, std::move(fx));
    return reply;
  }
  auto promise = self->make_response_promise<Reply>();
  st.promises.emplace(token, promise);
  carry_out(self, std::move(fx));
  return promise;
}

// What the active master answers from its own state (reads, chunk leases, file locks) is
// fenced by nothing in the log: within its read lease only (may_answer_locally).
template <class Reply, class F>
caf::result<Reply> ask_core_locally(master_self self, F call) {
  auto& st = self->state;
  if (st.core && !may_answer_locally(st))
    return retry_reply<Reply>(ns_status::unavailable, lease_lapsed_line(st));
  return ask_core<Reply>(self, call);
}

}  // namespace

caf::result<admin_reply> master_drain(master_self self, const endpoint& addr, bool on,
                                      std::string ok_text) {
  auto& st = self->state;
  if (!st.core) return admin_reply{1, not_leader_line(st) + "\n"};
  auto token = st.next_token++;
  auto fx = st.core->on_drain(token, addr, on, core::clock::now());
  auto rp = self->make_response_promise<admin_reply>();
  st.promises.emplace(token, master_state::console_waiter{rp, std::move(ok_text)});
  carry_out(self, std::move(fx));
  return rp;
}

namespace {

bool is_chunkserver(const member_event_msg& e) {
  return std::find(e.roles.begin(), e.roles.end(), "chunkserver") != e.roles.end();
}

void subscribe(master_self self, const failure_detector_actor& membership) {
  if (!membership) return;
  self->request(membership, caf::infinite, subscribe_atom::value,
                caf::actor_cast<membership_listener>(self))
      .then(
          [self](const std::vector<member_event_msg>& live) {
            // Members known before we subscribed: no event comes for them.
            for (auto& e : live)
              if (is_chunkserver(e)) self->state.chunkservers_up[e.id.address()] = e.id;
          },
          [](caf::error& e) {
            log::get("master")->warn("membership_subscribe_failed error=\"{}\"", caf::to_string(e));
          });
}

}  // namespace

master::repair_options repair_options_of(const config& cfg) {
  master::repair_options o;
  o.max_copies_per_server = cfg.repair.max_copies_per_server;
  o.max_bytes_per_s = cfg.repair.max_mib_s << 20;
  o.delay = std::chrono::milliseconds(cfg.repair.delay_ms);
  return o;
}

master::hot_options hot_options_of(const config& cfg) {
  master::hot_options o;
  o.hot_reads_per_s = cfg.replicator.hot_reads_per_s;
  o.max_replicas = cfg.replicator.max_replicas;
  o.cool_down = std::chrono::seconds(cfg.replicator.cool_down_s);
  return o;
}

master_actor::behavior_type master_fn(master_self self, config cfg, node_id id,
                                      failure_detector_actor membership, repair_actor repair,
                                      replicator_actor replicator,
                                      std::shared_ptr<net::metrics> metrics,
                                      std::shared_ptr<net::status_board> status) {
  auto& st = self->state;
  if (metrics) st.metrics = std::make_unique<master_metrics>(*metrics);
  st.status = std::move(status);
  st.repair = std::move(repair);
  st.replicator = std::move(replicator);
  st.id = id;
  st.cfg = std::move(cfg);
  st.capability_key = security::capability_key(st.cfg.cluster.key);
  if (st.cfg.replicated_masters()) {
    start_replication(self);  // a standby until elected
  } else {
    st.core = std::make_unique<master::master_core>(core_options_of(st.cfg), id);
    recover_metadata(self);
  }
  self->set_down_handler([=](caf::down_msg& dm) { on_peer_down(self, dm.source); });
  subscribe(self, membership);
  self->send(self, tick_atom::value);
  log::get("master")->info("master_started node={} replicas={}", id.to_string(),
                           self->state.cfg.master.replicas);
  return {
      [=](register_atom, const chunkserver_registration& r) -> caf::result<registration_ack> {
        count_op(self, "register");
        auto& st = self->state;
        if (!st.core) return caf::make_error(caf::sec::runtime_error, not_leader_line(st));
        master::master_effects fx;
        auto ack = st.core->on_register(r, core::clock::now(), fx);
        ack.master_term = st.active_term;
        carry_out(self, std::move(fx));
        return ack;
      },
      [=](heartbeat_atom, const chunkserver_heartbeat& hb) -> caf::result<heartbeat_reply> {
        count_op(self, "heartbeat");
        auto& st = self->state;
        if (!st.core) return caf::make_error(caf::sec::runtime_error, not_leader_line(st));
        // The reply renews the primaries' chunk leases, which nothing in the log fences: a
        // master woken from a pause past its read lease (another may lead by now, and its wait
        // for the old leases counts from before this renewal) answers none of them.
        if (!may_answer_locally(st))
          return caf::make_error(caf::sec::runtime_error, lease_lapsed_line(st));
        return answer_heartbeat(self, hb);
      },
      [=](admin_atom, const admin_request& req) { return master_console(self, req); },
      [=](storage_atom, const ns_request& r) {
        count_op(self, to_string(r.op));
        auto call = [&](master::master_core& mc, auto t) {
          return mc.on_request(t, r, core::clock::now(), wall_clock_ms());
        };
        if (is_read(r.op)) return ask_core_locally<ns_reply>(self, call);
        return ask_core<ns_reply>(self, call);
      },
      [=](storage_atom, const trash_request& r) {
        count_op(self, "trash");
        return ask_core<ns_reply>(self, [&](master::master_core& mc, auto t) {
          return mc.on_request(t, r, core::clock::now());
        });
      },
      [=](storage_atom, const versions_request& r) {
        count_op(self, "versions");
        return ask_core_locally<ns_reply>(
            self, [&](master::master_core& mc, auto t) { return mc.on_request(t, r); });
      },
      [=](storage_atom, const layout_request& r) {
        count_op(self, "layout");
        return ask_core_locally<ns_reply>(
            self, [&](master::master_core& mc, auto t) { return mc.on_request(t, r); });
      },
      [=](storage_atom, const stale_read_request& r) -> caf::result<ns_reply> {
        count_op(self, to_string(r.op));
        auto& st = self->state;
        if (!st.core) {  // a standby: from its copy of the committed metadata
          auto reply = standby_stale_read(st, r);
          if (reply.status == ns_status::ok) sign_chunks(st, reply);
          return reply;
        }
        // The active master (or the only one) answers like the plain request.
        if (r.op == stale_op::layout)
          return ask_core<ns_reply>(self, [&](master::master_core& mc, auto t) {
            return mc.on_request(t, layout_request{r.path, r.version});
          });
        if (r.op != stale_op::list && r.op != stale_op::stat)
          return master::stale_read(st.core->meta(), r, {});  // the unknown-operation error
        ns_request q{r.op == stale_op::list ? ns_op::list : ns_op::stat, r.path};
        return ask_core<ns_reply>(self, [&](master::master_core& mc, auto t) {
          return mc.on_request(t, q, core::clock::now(), wall_clock_ms());
        });
      },
      [=](storage_atom, const status_request&) {
        auto& st = self->state;
        if (!st.core) return status_reply{ns_status::not_leader, not_leader_line(st), {}};
        return status_reply{ns_status::ok, {}, master_status_of(st)};
      },
      [=](put_atom, const put_request& r) -> caf::result<put_plan> {
        count_op(self, "put");
        if (auto wait = registering(self->state)) return *wait;
        return ask_core<put_plan>(self, [&](master::master_core& mc, auto t) {
          return mc.on_put(t, r, core::clock::now());
        });
      },
      [=](commit_atom, const put_commit& r) {
        count_op(self, "commit");
        return ask_core<ns_reply>(self, [&](master::master_core& mc, auto t) {
          return mc.on_commit(t, r, core::clock::now(), wall_clock_ms());
        });
      },
      [=](lease_atom, const lease_request& r) {
        count_op(self, "lease");
        return ask_core_locally<lease_reply>(self, [&](master::master_core& mc, auto t) {
          return mc.on_lease(t, r, core::clock::now());
        });
      },
      [=](storage_atom, const grow_request& r) {
        count_op(self, "grow");
        return ask_core<ns_reply>(self, [&](master::master_core& mc, auto t) {
          return mc.on_grow(t, r, core::clock::now(), wall_clock_ms());
        });
      },
      [=](storage_atom, const lock_request& r) {
        count_op(self, to_string(r.op));
        return ask_core_locally<lock_reply>(self, [&](master::master_core& mc, auto t) {
          return mc.on_lock(t, r, core::clock::now());
        });
      },
      [=](flush_atom) {
        // Effects of mutations the request port applied between this actor's messages.
        for (auto& fx : std::exchange(self->state.port_effects, {})) carry_out(self, std::move(fx));
        // Answers whose directory leases have ended (dir_leases.hpp).
        if (self->state.core) carry_out(self, self->state.core->release_held(core::clock::now()));
        if (self->state.repl)
          flush_replicated(self);
        else if (self->state.core)
          flush_journal(self);
      },
      [=](member_event_atom, const member_event_msg& e) {
        // Membership is the faster signal; the heartbeat table stays as the second one.
        auto& st = self->state;
        if (!is_chunkserver(e)) return;
        if (e.kind == member_event_kind::down || e.kind == member_event_kind::left)
          st.chunkservers_up.erase(e.id.address());
        else
          st.chunkservers_up[e.id.address()] = e.id;
        if (!st.core) return;
        if (e.kind == member_event_kind::down || e.kind == member_event_kind::left)
          carry_out(self, st.core->on_member_down(e.id, e.kind == member_event_kind::left,
                                                  core::clock::now()));
      },
      [=](checkpoint_done_atom, uint64_t seq, const std::string& error, int64_t took_ms) {
        auto& st = self->state;
        if (!st.core || !st.log || seq != st.checkpoint_seq) return;  // a reloaded core's
        st.checkpoint_seq = 0;
        if (error.empty())
          log::get("master")->info("checkpoint_written seq={} took_ms={}", seq, took_ms);
        carry_out(self, st.core->on_checkpoint_done(error.empty(), error, core::clock::now()));
      },
      [=](tick_atom) {
        auto& st = self->state;
        self->delayed_send(self, tick_interval, tick_atom::value);
        auto now = core::clock::now();
        auto last = std::exchange(st.last_tick, now);
        if (!st.core) return;  // a standby: nothing to time
        // A tick far later than due: this master did not run meanwhile (paused, starved).
        if (last && now - *last > tick_interval + st.core->registry().unhealthy_after() / 2)
          st.core->on_paused(now - *last - tick_interval, now);
        auto fx = st.core->on_tick(now, wall_clock_ms());
        if (fx.repair) ask_hot_chunks(self);  // in time for the next plan
        carry_out(self, std::move(fx));
        if (st.core && st.ticks++ % metrics_every_ticks == 0) {
          if (st.metrics) st.metrics->refresh(st);
          if (st.status) st.status->publish(master_status_of(st));
        }
      },
      [=](replog_atom) { replication_tick(self); },
      [=](replog_atom, const endpoint& from, const replog::message& m) {
        on_replog_message(self, from, m);
      },
  };
}

}  // namespace dfs
