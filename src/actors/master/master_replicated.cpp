// Several masters (issue 15): the master actor's side of the replicated log. The actor owns a
// master_replication (the replog node, its disk, the committed state); this file moves its
// messages between the masters, turns the core's batches into log entries, and starts or stops
// the master core as this master becomes active or steps down.
//
//   standby ──(elected, earlier terms' entries applied)──▶ active: core recovered from the
//      ▲                                                   committed state, term stamped on
//      │                                                   chunkserver replies (fencing)
//      └──(lost leadership, or its entry lost)──────────── core dropped: waiters get
//                                                          not_leader, clients ask again
#include <caf/all.hpp>
#include <caf/openssl/manager.hpp>

#include "actors/master/master_actor.hpp"
#include "common/logging.hpp"
#include "common/text_table.hpp"
#include "common/wall_clock.hpp"
#include "core/master/leader_hint.hpp"
#include "core/master/stale_reads.hpp"
#include "core/security/auth_token.hpp"

namespace dfs {

namespace {

constexpr auto peer_retry = std::chrono::milliseconds(200);

std::chrono::milliseconds replog_tick_interval(const config& cfg) {
  return std::chrono::milliseconds(std::max<uint32_t>(5, cfg.master.replication_heartbeat_ms / 4));
}

// Our server token for the other masters' node actors.
const std::string& own_token(master_state& st) {
  return st.own_token.at(wall_clock_ms() / 1000);
}

void connect_peer(master_self self, const endpoint& to) {
  auto& p = self->state.peers[to];
  auto now = core::clock::now();
  if (p.connecting || now < p.retry_at) return;
  p.connecting = true;
  auto mm = self->system().openssl_manager().actor_handle();
  self->request(mm, std::chrono::milliseconds(self->state.cfg.client.timeout_ms),
                caf::connect_atom::value, to.host, to.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            auto& p = self->state.peers[to];
            p.connecting = false;
            if (!ptr) {
              p.retry_at = core::clock::now() + peer_retry;
              return;
            }
            p.handle = caf::actor_cast<node_actor>(ptr);
            self->monitor(p.handle);
            log::get("master")->info("master_peer_connected peer={}", to.to_string());
          },
          [=](caf::error& e) {
            auto& p = self->state.peers[to];
            p.connecting = false;
            p.retry_at = core::clock::now() + peer_retry;
            log::get("master")->debug("master_peer_unreachable peer={} error=\"{}\"",
                                      to.to_string(), self->system().render(e));
          });
}

// Raft tolerates loss: a message to a master we are not connected to is dropped (the next
// heartbeat or retry carries it again) while the connection is made.
void send_replog(master_self self, const endpoint& to, const replog::message& m) {
  auto& st = self->state;
  auto it = st.peers.find(to);
  if (it != st.peers.end() && it->second.handle) {
    self->send(it->second.handle, replog_atom::value, own_token(st), st.repl->self(), m);
    return;
  }
  ++st.replog_dropped;
  connect_peer(self, to);
}

// Every waiting client learns to ask the active master (its request may or may not have been
// committed: the retry is answered once, by the request table, either way).
void answer_not_leader(master_self self) {
  answer_waiters(self, ns_status::not_leader, not_leader_line(self->state));
}

void step_down(master_self self, const char* why) {
  auto& st = self->state;
  if (!st.core) return;
  log::get("master")->warn("master_standby term={} reason={} active={}", st.active_term, why,
                           st.repl->node().leader().to_string());
  // The core's records beyond the committed state are dropped with it; the committed copy is
  // what the next active master (maybe this one again) starts from.
  st.proposal.reset();
  answer_not_leader(self);
  st.core.reset();
  st.active_term = 0;
}

void become_active(master_self self) {
  auto& st = self->state;
  auto now = core::clock::now();
  auto core = std::make_unique<master::master_core>(core_options_of(st.cfg), st.id);
  // A restart of the master core: leases wait out the longest one an earlier master could have
  // granted, chunkservers register again and report their chunks.
  if (auto ok = core->recover(st.repl->committed().meta().snapshot(), {}, now); !ok)
    master_fatal("committed state does not load: " + ok.err().message);
  st.core = std::move(core);
  st.active_term = st.repl->node().term();
  st.active_since = now;
  log::get("master")->info("master_active term={} applied={} files={}", st.active_term,
                           st.repl->node().last_applied(), st.core->meta().file_count());
}

long long ms_since(core::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(core::clock::now() - t).count();
}

// Console `masters handover`: answered once another master leads (success), the transfer was
// given up (this master stays active), or nothing is known after 1.5 election timeouts (within
// the admin client's usual timeout).
void settle_handover(master_self self) {
  auto& st = self->state;
  if (!st.handover) return;
  const auto& n = st.repl->node();
  const auto& h = *st.handover;
  std::optional<admin_reply> r;
  if (n.term() > h.term && !n.is_leader() && !n.leader().host.empty()) {
    r = admin_reply{n.leader() == h.target ? 0 : 1,
                    "handed over: " + n.leader().to_string() + " is the active master (term " +
                        std::to_string(n.term()) + ", " + std::to_string(ms_since(h.started)) +
                        " ms)" + (n.leader() == h.target ? "" : ", not the target") + "\n"};
  } else if (n.is_leader() && n.term() == h.term && !n.transferring()) {
    r = admin_reply{1, "handover to " + h.target.to_string() + " not completed within " +
                           std::to_string(ms_since(h.started)) +
                           " ms; this master stays active (term " + std::to_string(n.term()) +
                           ")\n"};
  } else if (ms_since(h.started) > 3 * int64_t{st.cfg.master.election_timeout_ms} / 2) {
    r = admin_reply{1, "handover to " + h.target.to_string() + ": no active master known after " +
                           std::to_string(ms_since(h.started)) + " ms; see 'masters'\n"};
  }
  if (!r) return;
  log::get("master")->info("master_handover_done target={} ok={} \"{}\"", h.target.to_string(),
                           r->status == 0, r->text.substr(0, r->text.size() - 1));
  auto rp = std::move(st.handover->rp);
  st.handover.reset();
  rp.deliver(std::move(*r));
}

// Committed entries came back: settle the core's batch in flight, then follow the role.
void after_replication(master_self self, std::vector<replog::applied_entry> applied) {
  auto& st = self->state;
  auto log = log::get("master");
  for (auto& a : applied) {
    if (!a.result.empty())
      log->critical("replicated_batch_not_applied index={} error=\"{}\"", a.index, a.result);
    if (!st.proposal || a.index != st.proposal->index) continue;
    auto p = std::move(*st.proposal);
    st.proposal.reset();
    if (!st.core) continue;
    if (a.term != p.term) {  // another master's entry took its place: ours is lost
      step_down(self, "entry_lost");
      continue;
    }
    maybe_crash_after_log(st.cfg.fault.crash_after_log, p.batch);
    carry_out(self, st.core->on_batch_durable(p.batch_id, true, 0, core::clock::now()));
  }
  if (st.core && (!st.repl->node().is_leader() || st.repl->node().term() != st.active_term))
    step_down(self, "lost_leadership");
  if (!st.core && st.repl->ready_to_lead()) become_active(self);
  if (st.core && !st.proposal) flush_replicated(self);
  settle_handover(self);
}

}  // namespace

bool may_answer_locally(const master_state& st) {
  return !st.repl || st.repl->node().read_lease(core::clock::now());
}

std::string lease_lapsed_line(const master_state& st) {
  return "the active master " + st.repl->self().to_string() +
         " has not heard a majority of the masters within its read lease (paused, or handing "
         "over); ask again";
}

std::string not_leader_line(const master_state& st) {
  std::optional<endpoint> active;
  if (st.repl && !st.repl->node().leader().host.empty()) active = st.repl->node().leader();
  return master::not_leader_message(active);
}

void start_replication(master_self self) {
  auto& st = self->state;
  st.own_token =
      security::server_token(st.id.to_string(), security::auth_token_key(st.cfg.cluster.key), 600);
  auto dir = st.cfg.node.data_dir + "/masters";
  st.repl = std::make_unique<master_replication>(
      st.cfg, core_options_of(st.cfg).meta, dir,
      [self](const endpoint& to, const replog::message& m) { send_replog(self, to, m); },
      [](const std::string& why) { master_fatal(why); }, core::clock::now());
  auto log = log::get("master");
  for (auto& n : st.repl->startup_notes()) log->info("replog_recovery {}", n);
  const auto& n = st.repl->node();
  log->info("replog_started self={} term={} incarnation={} last_index={} voter={} files={}",
            st.repl->self().to_string(), n.term(), n.incarnation(), n.last_index(), n.is_voter(),
            st.repl->committed().meta().file_count());
  for (auto& m : st.cfg.master_endpoints())
    if (!(m == st.repl->self())) connect_peer(self, m);
  self->send(self, replog_atom::value);
}

void replication_tick(master_self self) {
  auto& st = self->state;
  self->delayed_send(self, replog_tick_interval(st.cfg), replog_atom::value);
  if (!st.repl) return;
  after_replication(self, st.repl->on_tick(core::clock::now()));
}

void on_replog_message(master_self self, const endpoint& from, const replog::message& m) {
  auto& st = self->state;
  if (!st.repl) return;
  after_replication(self, st.repl->on_message(from, m, core::clock::now()));
}

void flush_replicated(master_self self) {
  auto& st = self->state;
  if (!st.core || st.proposal) return;  // one entry in flight; the next batch follows it
  // Handing over: batches wait in the core (the new active master's clients ask again).
  if (st.repl->node().transferring()) return;
  auto batch = st.core->take_batch();
  if (!batch) return;
  auto now = core::clock::now();
  auto p = st.repl->propose(encode_batch(batch->records), now);
  if (p.status != replog::propose_status::ok) {
    log::get("master")->warn("replog_propose_refused status={} records={}",
                             replog::to_string(p.status), batch->records.size());
    if (p.status == replog::propose_status::not_leader) return step_down(self, "not_leader");
    // Too large or too many uncommitted: this batch fails, the master goes on.
    carry_out(self, st.core->on_batch_durable(batch->id, false, 0, now));
    return step_down(self, "batch_refused");
  }
  st.proposal = master_state::proposal_in_flight{batch->id, p.index, p.term, std::move(*batch)};
  after_replication(self, std::move(p.applied));
}

void on_peer_down(master_self self, const caf::actor_addr& source) {
  for (auto& [addr, p] : self->state.peers)
    if (p.handle && p.handle.address() == source) {
      log::get("master")->info("master_peer_disconnected peer={}", addr.to_string());
      p.handle = nullptr;
    }
}

ns_reply standby_stale_read(master_state& st, const stale_read_request& r) {
  ns_reply out;
  auto now = core::clock::now();
  auto why = st.repl ? master::stale_refusal(st.repl->node().leader_last_heard(), now,
                                             st.cfg.master.stale_read_max_ms)
                     : std::string("this master has no metadata to read from");
  if (!why.empty()) {
    ++st.stale_refusals;
    out.status = ns_status::not_leader;
    out.error = not_leader_line(st) + "; " + why;
    return out;
  }
  ++st.stale_reads;
  std::vector<node_id> servers;
  for (auto& [addr, id] : st.chunkservers_up) servers.push_back(id);
  return master::stale_read(st.repl->committed().meta(), r, servers);
}

caf::result<admin_reply> masters_handover(master_self self, const std::vector<std::string>& args) {
  auto& st = self->state;
  if (args.size() > 3) return admin_reply{1, "usage: masters handover [HOST:PORT]\n"};
  if (!st.repl)
    return admin_reply{1,
                       "masters handover: one master (master.replicas = 1), nobody to hand "
                       "over to\n"};
  if (!st.core) return admin_reply{1, "masters handover: " + not_leader_line(st) + "\n"};
  if (st.handover)
    return admin_reply{
        1, "masters handover: already handing over to " + st.handover->target.to_string() + "\n"};
  endpoint target;
  if (args.size() == 3) {
    auto t = endpoint::parse(args[2]);
    if (!t) return admin_reply{1, "masters handover: expected HOST:PORT, got '" + args[2] + "'\n"};
    target = *t;
  }
  auto r = st.repl->transfer(target, core::clock::now());
  using ts = replog::transfer_status;
  switch (r.status) {
    case ts::started:
      break;
    case ts::not_leader:
      return admin_reply{1, "masters handover: " + not_leader_line(st) + "\n"};
    case ts::single_master:
      return admin_reply{1, "masters handover: no other master can take over (none is a voter)\n"};
    case ts::unknown_target:
      return admin_reply{
          1, "masters handover: " + target.to_string() + " is not one of cluster.masters\n"};
    case ts::not_a_voter:
      return admin_reply{1, "masters handover: " + target.to_string() +
                                " is not a voter yet (a new disk still catching up)\n"};
    case ts::self_target:
      return admin_reply{
          1, "masters handover: " + target.to_string() + " is this master, already active\n"};
  }
  log::get("master")->warn("master_handover_started target={} term={}", r.target.to_string(),
                           st.repl->node().term());
  auto rp = self->make_response_promise<admin_reply>();
  st.handover =
      master_state::handover_waiter{rp, r.target, st.repl->node().term(), core::clock::now()};
  settle_handover(self);
  return rp;
}

std::string masters_text(const master_state& st) {
  if (!st.repl)
    return "one master (master.replicas = 1): " + st.cfg.master.address +
           (st.core && !st.core->refusal().empty() ? ", refusing changes: " + st.core->refusal()
                                                   : ", active") +
           "\n";
  const auto& n = st.repl->node();
  std::string out =
      "this master " + st.repl->self().to_string() + ": " + (st.core ? "active" : "standby") +
      " (" + replog::to_string(n.current_role()) + "), term " + std::to_string(n.term()) +
      ", incarnation " + std::to_string(n.incarnation()) +
      (n.is_voter() ? ", voter" : ", learner") + "\nactive master " +
      (n.leader().host.empty() ? std::string("unknown") : n.leader().to_string()) + "\nlog: last " +
      std::to_string(n.last_index()) + ", on disk " + std::to_string(n.persisted_index()) +
      ", committed " + std::to_string(n.commit_index()) + ", applied " +
      std::to_string(n.last_applied()) + ", snapshot " + std::to_string(n.snapshot_index()) +
      "\nmessages to masters not yet connected (dropped, sent again by the protocol) " +
      std::to_string(st.replog_dropped) + "\nstale reads answered as a standby " +
      std::to_string(st.stale_reads) + ", refused (too long without an active master) " +
      std::to_string(st.stale_refusals) + "\n";
  if (n.transferring())
    out += "handing over to " + n.transfer_target().to_string() + " (no new mutations meanwhile)\n";
  if (n.is_leader()) {
    text_table t({"MASTER", "INCARNATION", "MATCH", "LAG", "VOTER"},
                 {false, true, true, true, false});
    for (auto& [addr, p] : n.progress()) {
      uint64_t lag = n.last_index() > p.match ? n.last_index() - p.match : 0;
      t.add({addr.to_string(), std::to_string(p.incarnation), std::to_string(p.match),
             std::to_string(lag), n.config().admits(addr, p.incarnation) ? "yes" : "no (learner)"});
    }
    out += t.render();
  }
  return out;
}

}  // namespace dfs
