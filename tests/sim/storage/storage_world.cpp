#include "sim/storage/storage_world.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "common/assert.hpp"

namespace dfs::sim::storage_world {

namespace {

bool tracing() {
  static bool on = std::getenv("DFS_SIM_TRACE") != nullptr;
  return on;
}

constexpr addr master_addr = 0;
constexpr addr first_client = 1000;
constexpr uint64_t chunk_bytes = 1024;
constexpr auto rpc_timeout = milliseconds(300);
constexpr auto op_timeout = milliseconds(400);
// A commit is sent this many times at most (the first and the retries) before the put fails.
constexpr uint32_t max_tries = 4;  // of a commit or a copy

uint64_t approx_bytes(const master::log_record& r) {
  if (auto* c = std::get_if<master::commit_record>(&r)) return 64 + 32 * c->chunks.size();
  return 48;
}

template <class T>
const T* as(const message& m) {
  return std::get_if<T>(&m.b);
}

}  // namespace

world::world(uint64_t seed, world_options opts)
    : opts_(opts),
      rng_(seed),
      net_(seed * 7919 + 1,
           net_options{opts.loss, opts.duplicate, milliseconds(1), opts.max_delay}) {
  // A failed DFS_ASSERT aborts the sweep: it names the seed to replay.
  set_assert_node("sim storage seed=" + std::to_string(seed) + " (DFS_SIM_SEED replays it)");
  start_master();
  for (addr a = 1; a <= opts_.chunkservers; ++a) start_chunkserver(a);
  for (size_t j = 0; j < opts_.clients; ++j) {
    auto& c = clients_[first_client + static_cast<addr>(j)];
    c.next_op = now_ + milliseconds(200 + j * 10);  // after the first registrations
  }
}

// -- driving --------------------------------------------------------------------------------------

void world::run() {
  step_until(now_ + opts_.duration, true);
  if (!failure_.empty()) return;
  // Quiet phase: everyone up, no loss; clients finish what they were doing.
  net_.options().loss = 0;
  net_.options().duplicate = 0;
  if (!master_.up) start_master();
  for (auto& [a, s] : servers_)
    if (!s.up) start_chunkserver(a);
  step_until(now_ + milliseconds(5000), false);
}

void world::step_until(time_point end, bool chaos) {
  while (failure_.empty() && now_ < end) {
    auto next = std::min(end, net_.next_due(end));
    if (!timers_.empty()) next = std::min(next, timers_.top().at);
    for (auto& [a, c] : clients_)
      if (c.op == op_kind::idle) next = std::min(next, std::max(now_, c.next_op));
    now_ = std::max(now_, next);
    for (auto& env : net_.deliver_due(now_)) {
      deliver(env.from, env.to, env.msg);
      if (!failure_.empty()) return;
    }
    while (!timers_.empty() && timers_.top().at <= now_) {
      auto t = timers_.top();
      timers_.pop();
      fire(t);
    }
    for (auto& [a, c] : clients_) {
      if (c.op == op_kind::idle && c.next_op <= now_) client_step(a);
      if (c.op != op_kind::idle && c.deadline <= now_) client_timeout(a);
    }
    if (chaos) inject_faults();
    ++cov_.steps;
    check();
  }
}

void world::schedule(milliseconds after, timer_kind k, addr node, uint64_t arg) {
  uint64_t inc = node == master_addr ? master_.incarnation : servers_[node].incarnation;
  timers_.push(timer{now_ + after, timer_seq_++, k, node, arg, inc});
}

void world::fire(const timer& t) {
  if (t.node == master_addr) {
    if (!master_.up || t.incarnation != master_.incarnation) return;
    switch (t.kind) {
      case timer_kind::master_tick:
        master_effects(master_.core->on_tick(now_));
        schedule(milliseconds(200), timer_kind::master_tick, master_addr);
        return;
      case timer_kind::master_flush:
        return master_flush();
      case timer_kind::master_fsync:
        return master_fsync_done(t.arg);
      case timer_kind::master_wake:
        return master_effects(master_.core->release_held(now_));
      default:
        return;
    }
  }
  auto& s = servers_[t.node];
  if (!s.up || t.incarnation != s.incarnation) return;
  switch (t.kind) {
    case timer_kind::cs_connect:
      // A connection succeeds when the master is up and reachable (TCP connect, no loss).
      if (master_.up && net_.connected(t.node, master_addr))
        link_effects(t.node, s.link->on_connected());
      else
        link_effects(t.node, s.link->on_connect_failed("connection refused"));
      return;
    case timer_kind::cs_tick:
      return link_effects(t.node, s.link->on_tick(t.arg));
    case timer_kind::cs_rpc_timeout: {
      if (s.pending_rid != t.arg) return;
      s.pending_rid = 0;
      if (!s.hb_added.empty() || !s.hb_removed.empty()) {  // a heartbeat: keep its report
        for (auto& r : s.hb_added) s.added.emplace(r.handle, r);
        s.removed.insert(s.hb_removed.begin(), s.hb_removed.end());
      }
      auto gen = s.link->generation();
      link_effects(t.node, s.link->state() == chunkserver::link_state::registering
                               ? s.link->on_register_failed(gen, "timeout")
                               : s.link->on_heartbeat_failed(gen, "timeout"));
      return;
    }
    default:
      return;
  }
}

void world::send(addr from, addr to, uint64_t rid, body b) {
  net_.send(from, to, message{rid, std::move(b)}, now_);
}

void world::deliver(addr from, addr to, const message& m) {
  if (to == master_addr) {
    if (master_.up) master_receive(from, m);
  } else if (to >= first_client) {
    client_receive(to, m);
  } else if (servers_[to].up) {
    chunkserver_receive(to, from, m);
  }
}

void world::inject_faults() {
  std::uniform_real_distribution<double> u(0, 1);
  // Faults are drawn per step; steps come about every millisecond of virtual time.
  double per_step = 0.001;
  if (u(rng_) < opts_.master_crashes_per_s * per_step) {
    if (master_.up) {
      crash_master();
    }
  } else if (!master_.up && u(rng_) < 0.01) {
    start_master();
  }
  if (u(rng_) < opts_.chunkserver_crashes_per_s * per_step) {
    addr a = 1 + static_cast<addr>(rng_() % opts_.chunkservers);
    if (servers_[a].up) crash_chunkserver(a);
  }
  for (auto& [a, s] : servers_)
    if (!s.up && u(rng_) < 0.005) start_chunkserver(a);
}

// -- master ---------------------------------------------------------------------------------------

void world::start_master() {
  master::core_options o;
  o.meta.max_versions = opts_.max_versions;
  o.meta.replication = opts_.replication;
  o.meta.handle_grace = milliseconds(3000);
  o.write_quorum = opts_.write_quorum;
  o.default_chunk_size_bytes = chunk_bytes;
  o.heartbeat_interval_ms = 100;
  o.registry = {milliseconds(400), milliseconds(1500)};
  o.checkpoint_bytes = opts_.checkpoint_bytes;
  o.checkpoint_interval = milliseconds(5000);
  // Every stat_dir gets a lease, however write-shared "/" is: every change meets leases.
  o.dir_lease_quiet = milliseconds(0);
  ++master_.incarnation;
  master_.up = true;
  master_.core = std::make_unique<master::master_core>(o, master_id());
  master_.waiting.clear();
  master_.fsync_batch.reset();
  net_.restart(master_addr);
  auto r = master_.core->recover(master_.d.checkpoint.value_or(master::master_snapshot{}),
                                 master_.d.synced, now_);
  if (!r) return fail("master recovery failed: " + r.err().message);
  if (tracing())
    std::fprintf(stderr, "t=%lld master start synced=%zu checkpoint=%d\n",
                 (long long)(now_.time_since_epoch().count() / 1000000), master_.d.synced.size(),
                 master_.d.checkpoint ? 1 : 0);
  deletions_checked_ = ~0ull;  // what the disk brought back must still have its chunks
  schedule(milliseconds(200), timer_kind::master_tick, master_addr);
}

void world::crash_master() {
  ++cov_.master_crashes;
  if (tracing())
    std::fprintf(stderr, "t=%lld master crash unsynced=%zu\n",
                 (long long)(now_.time_since_epoch().count() / 1000000), master_.d.unsynced.size());
  master_.up = false;
  net_.crash(master_addr);
  // A torn tail: some of the written but unsynced records reached the disk.
  auto& d = master_.d;
  size_t keep = d.unsynced.empty() ? 0 : rng_() % (d.unsynced.size() + 1);
  cov_.torn_records += keep;
  d.synced.insert(d.synced.end(), d.unsynced.begin(), d.unsynced.begin() + keep);
  d.unsynced.clear();
  ++d.changes;
  ++master_.incarnation;  // its timers are void
  // Chunkservers see their connections reset.
  for (auto& [a, s] : servers_)
    if (s.up) link_effects(a, s.link->on_master_down("connection lost"));
}

void world::master_receive(addr from, const message& m) {
  auto& mc = *master_.core;
  auto token = master_.next_token++;
  master_.waiting[token] = {from, m.rid};
  if (auto* r = as<ns_request>(m)) return master_effects(mc.on_request(token, *r, now_));
  if (auto* r = as<layout_request>(m)) return master_effects(mc.on_request(token, *r));
  if (auto* r = as<put_request>(m)) return master_effects(mc.on_put(token, *r, now_));
  if (auto* r = as<put_commit>(m)) {
    auto wall = static_cast<uint64_t>(now_.time_since_epoch().count() / 1000000);
    return master_effects(mc.on_commit(token, *r, now_, wall));
  }
  master_.waiting.erase(token);
  master::master_effects fx;
  if (auto* r = as<chunkserver_registration>(m)) {
    auto ack = mc.on_register(*r, now_, fx);
    send(master_addr, from, m.rid, ack);
  } else if (auto* r = as<chunkserver_heartbeat>(m)) {
    auto reply = mc.on_heartbeat(*r, now_, fx);
    send(master_addr, from, m.rid, reply);
  }
  master_effects(std::move(fx));
}

void world::master_effects(master::master_effects fx) {
  for (auto& r : fx.replies) {
    auto it = master_.waiting.find(r.token);
    if (it == master_.waiting.end()) return fail("master replied to an unknown token");
    auto [to, rid] = it->second;
    master_.waiting.erase(it);
    std::visit(
        [&, to = to, rid = rid](auto& v) {
          // This world asks for no leases (tests/sim/lease does) and no file locks: such a
          // reply is a bug.
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, lease_reply>)
            fail("master sent a lease reply nobody asked for");
          else if constexpr (std::is_same_v<std::decay_t<decltype(v)>, lock_reply>)
            fail("master sent a lock reply nobody asked for");
          else
            send(master_addr, to, rid, v);
        },
        r.reply);
  }
  if (fx.flush) schedule(milliseconds(0), timer_kind::master_flush, master_addr);
  if (fx.wake_at)
    schedule(std::chrono::ceil<milliseconds>(std::max(*fx.wake_at - now_, core::duration::zero())),
             timer_kind::master_wake, master_addr);
  if (fx.checkpoint) {
    // Atomic (tmp + fsync + rename); the log restarts after it.
    ++cov_.checkpoints;
    if (tracing())
      std::fprintf(stderr, "t=%lld checkpoint synced=%zu unsynced=%zu\n",
                   (long long)(now_.time_since_epoch().count() / 1000000), master_.d.synced.size(),
                   master_.d.unsynced.size());
    master_.d.checkpoint = *fx.checkpoint;
    master_.d.synced.clear();
    master_.d.log_bytes = 0;
    ++master_.d.changes;
    master_effects(master_.core->on_checkpoint_done(true, "", now_));
  }
}

void world::master_flush() {
  if (master_.fsync_batch) return;  // one write in flight; the core asks again after it
  auto b = master_.core->take_batch();
  if (!b) return;
  for (auto& r : b->records) {
    master_.d.unsynced.push_back(r);
    master_.d.log_bytes += approx_bytes(r);
  }
  master_.fsync_batch = b->id;
  // Mostly fast; now and then the disk stalls, which widens every crash window.
  auto delay = rng_() % 4 == 0 ? milliseconds(rng_() % 200) : milliseconds(rng_() % 3);
  schedule(delay, timer_kind::master_fsync, master_addr, b->id);
}

void world::master_fsync_done(uint64_t batch_id) {
  auto& d = master_.d;
  if (tracing())
    for (auto& r : d.unsynced)
      std::fprintf(stderr, "t=%lld durable kind=%d %s\n",
                   (long long)(now_.time_since_epoch().count() / 1000000),
                   static_cast<int>(master::kind_of(r)),
                   std::holds_alternative<master::remove_record>(r)
                       ? std::get<master::remove_record>(r).path.c_str()
                   : std::holds_alternative<master::commit_record>(r)
                       ? std::get<master::commit_record>(r).path.c_str()
                       : "");
  d.synced.insert(d.synced.end(), d.unsynced.begin(), d.unsynced.end());
  d.unsynced.clear();
  ++d.changes;
  master_.fsync_batch.reset();
  master_effects(master_.core->on_batch_durable(batch_id, true, d.log_bytes, now_));
}

// -- chunkservers -------------------------------------------------------------------------------

node_id world::chunkserver_id(addr a) const {
  return node_id{"cs", static_cast<uint16_t>(a), servers_.at(a).incarnation};
}

void world::start_chunkserver(addr a) {
  auto& s = servers_[a];
  ++s.incarnation;
  s.up = true;
  s.added.clear();
  s.removed.clear();
  s.pending_rid = 0;
  s.link = std::make_unique<chunkserver::master_link>(
      chunkserver::link_options{milliseconds(50), milliseconds(100)});
  net_.restart(a);
  link_effects(a, s.link->start());
}

void world::crash_chunkserver(addr a) {
  ++cov_.chunkserver_crashes;
  auto& s = servers_[a];
  s.up = false;
  ++s.incarnation;
  net_.crash(a);
}

void world::link_effects(addr a, chunkserver::link_effects fx) {
  auto& s = servers_[a];
  for (auto h : fx.delete_chunks)
    if (s.chunks.erase(h) > 0) {
      ++deletions_;
      if (std::getenv("DFS_SIM_TRACE"))
        std::fprintf(stderr, "t=%lld cs%u deletes %llx\n",
                     (long long)(now_.time_since_epoch().count() / 1000000), a,
                     (unsigned long long)h);
      s.added.erase(h);
      s.removed.insert(h);
    }
  // Copy-on-write orders (chunk_store::copy_local): durable at once, reported like a push.
  for (auto& c : fx.local_copies) {
    auto from = s.chunks.find(c.from_handle);
    if (from == s.chunks.end() || s.chunks.count(c.to_handle) > 0) continue;  // refused
    s.chunks[c.to_handle] = {c.chunk_version, from->second.bytes};
    s.removed.erase(c.to_handle);
    s.added[c.to_handle] = {c.to_handle, c.chunk_version, from->second.bytes.size()};
  }
  if (fx.drop_master) s.pending_rid = 0;
  if (fx.connect_after)
    schedule(std::chrono::duration_cast<milliseconds>(*fx.connect_after), timer_kind::cs_connect,
             a);
  if (fx.send_registration) {
    chunkserver_registration r{
        chunkserver_id(a), static_cast<uint16_t>(a), "", 1 << 30, 1 << 30, 0, {}};
    for (auto& [h, c] : s.chunks) r.chunks.push_back({h, c.version, c.bytes.size()});
    s.added.clear();
    s.removed.clear();
    s.hb_added.clear();
    s.hb_removed.clear();
    s.pending_rid = next_rid_++;
    send(a, master_addr, s.pending_rid, r);
    schedule(rpc_timeout, timer_kind::cs_rpc_timeout, a, s.pending_rid);
  }
  if (fx.send_heartbeat) {
    chunkserver_heartbeat hb{
        chunkserver_id(a), fx.send_heartbeat->second, 1 << 30, 1 << 30, 0, {}, {}, {}, {}, {}};
    for (auto& [h, r] : s.added) hb.added.push_back(r);
    hb.removed.assign(s.removed.begin(), s.removed.end());
    s.added.clear();
    s.removed.clear();
    s.hb_added = hb.added;
    s.hb_removed = hb.removed;
    s.pending_rid = next_rid_++;
    send(a, master_addr, s.pending_rid, hb);
    schedule(rpc_timeout, timer_kind::cs_rpc_timeout, a, s.pending_rid);
  }
  if (fx.tick_after)
    schedule(std::chrono::duration_cast<milliseconds>(fx.tick_after->second), timer_kind::cs_tick,
             a, fx.tick_after->first);
}

void world::chunkserver_receive(addr a, addr from, const message& m) {
  auto& s = servers_[a];
  if (auto* p = as<push_msg>(m)) {
    // Finalize: durable before the answer (tmp + fsync + rename in the real store).
    s.chunks[p->handle] = {p->chunk_version, p->bytes};
    s.removed.erase(p->handle);
    s.added[p->handle] = {p->handle, p->chunk_version, p->bytes.size()};
    return send(a, from, m.rid, push_reply_msg{true});
  }
  if (auto* r = as<read_msg>(m)) {
    auto it = s.chunks.find(r->handle);
    if (it == s.chunks.end()) return send(a, from, m.rid, read_reply_msg{false, {}});
    return send(a, from, m.rid, read_reply_msg{true, it->second.bytes});
  }
  if (m.rid != s.pending_rid || m.rid == 0) return;  // a late or duplicated reply
  s.pending_rid = 0;
  auto gen = s.link->generation();
  if (auto* ack = as<registration_ack>(m)) return link_effects(a, s.link->on_registered(gen, *ack));
  if (auto* hr = as<heartbeat_reply>(m))
    return link_effects(a, s.link->on_heartbeat_reply(gen, *hr));
}

// -- clients
// ----------------------------------------------------------------------------------------

std::string world::content_for(addr c, uint64_t op, size_t size) {
  std::string out(size, '\0');
  uint64_t x = (uint64_t(c) << 32) ^ (op * 0x9e3779b97f4a7c15ull);
  for (auto& ch : out) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    ch = static_cast<char>(x >> 56);
  }
  return out;
}

void world::client_step(addr a) {
  auto& c = clients_[a];
  c.path = "/f" + std::to_string(rng_() % opts_.paths);
  c.rid = next_rid_++;
  c.deadline = now_ + op_timeout;
  ++c.ops;
  auto dice = rng_() % 14;
  if (dice == 12) {
    // cp of a file to a copy path (sharing its chunks), retried like a commit.
    c.lease.reset();
    return start_copy(a);
  }
  if (dice == 13) {  // a get of a copy path
    c.lease.reset();
    c.path = "/c" + std::to_string(rng_() % opts_.copy_paths);
    c.op = op_kind::get_layout;
    c.get_started = now_;
    c.content.clear();
    send(a, master_addr, c.rid, layout_request{c.path, 0});
    return;
  }
  if (dice >= 10) {
    // stat, as the client shell does it: from a directory lease, or stat_dir (all paths are in
    // "/", so every client's changes meet every lease).
    c.op = op_kind::stat;
    c.get_started = now_;
    if (c.lease && c.lease->until > now_) {
      ++cov_.stats_cached;
      auto it = c.lease->newest.find(c.path);
      observe_stat(a, it == c.lease->newest.end() ? 0 : it->second);
      return finish(c);
    }
    send(a, master_addr, c.rid, ns_request{ns_op::stat_dir, c.path, {}, a, 0});
    return;
  }
  c.lease.reset();  // every other operation may change something
  if (dice < 2) {
    // A small file with its bytes in the commit (stored inline in the namespace): no plan,
    // no pushes; the same commit retries and invariants as a put of chunks.
    c.content = content_for(a, c.ops, 1 + rng_() % 200);
    attempted_[c.path].insert(c.content);
    attempted_files_.insert(c.content);
    ++cov_.inline_puts;
    put_commit commit{c.path, 0, {}};
    commit.inline_data = c.content;
    send_commit(a, std::move(commit));
  } else if (dice < 5) {
    c.op = op_kind::put_plan;
    c.content = content_for(a, c.ops, rng_() % (4 * chunk_bytes + 1));
    attempted_[c.path].insert(c.content);
    attempted_files_.insert(c.content);
    send(a, master_addr, c.rid, put_request{c.path, c.content.size(), 0});
  } else if (dice < 8) {
    c.op = op_kind::get_layout;
    c.get_started = now_;
    c.content.clear();
    send(a, master_addr, c.rid, layout_request{c.path, 0});
  } else if (dice < 9) {
    c.op = op_kind::remove;
    remove_sent_[c.path] = now_;
    if (tracing())
      std::fprintf(stderr, "t=%lld client%u rm %s\n",
                   (long long)(now_.time_since_epoch().count() / 1000000), a, c.path.c_str());
    send(a, master_addr, c.rid, ns_request{ns_op::remove, c.path});
  } else {
    c.op = op_kind::mkdir;
    send(a, master_addr, c.rid, ns_request{ns_op::mkdir, "/d" + std::to_string(rng_() % 3)});
  }
}

void world::finish(client_node& c) {
  if (c.op != op_kind::stat) c.lease.reset();  // after a change too (it may have applied)
  c.op = op_kind::idle;
  c.rid = 0;
  c.next_op = now_ + milliseconds(rng_() % 20);
}

void world::client_timeout(addr a) {
  auto& c = clients_[a];
  if (c.op == op_kind::put_push) return commit_put(a);  // commit what stored so far
  if (c.op == op_kind::get_read) {                      // try the next replica
    ++c.replica;
    return start_get_read(a);
  }
  if ((c.op == op_kind::put_commit || c.op == op_kind::copy) && c.tries < max_tries)
    return resend(a);
  if (c.op == op_kind::put_plan || c.op == op_kind::put_commit) ++cov_.puts_failed;
  finish(c);
}

void world::start_copy(addr a) {
  auto& c = clients_[a];
  auto from = c.path;  // a file path, chosen by client_step
  c.path = "/c" + std::to_string(rng_() % opts_.copy_paths);
  c.op = op_kind::copy;
  c.copy = ns_request{ns_op::copy, from, c.path, a, ++c.requests};
  c.tries = 1;
  ++copy_requests_[c.path];
  send(a, master_addr, c.rid, c.copy);
}

// The same commit or copy (client id, request number, chunks) again: the master answers it
// with the first result if the first attempt applied (reply lost, master crashed after
// logging it).
void world::resend(addr a) {
  auto& c = clients_[a];
  ++c.tries;
  c.rid = next_rid_++;
  c.deadline = now_ + op_timeout;
  if (c.op == op_kind::copy) {
    ++cov_.copy_retries;
    send(a, master_addr, c.rid, c.copy);
  } else {
    ++cov_.commit_retries;
    send(a, master_addr, c.rid, c.commit);
  }
}

void world::commit_put(addr a) {
  auto& c = clients_[a];
  put_commit commit{c.path, c.plan.chunk_size_bytes, {}};
  for (size_t i = 0; i < c.plan.chunks.size(); ++i) {
    auto ch = c.plan.chunks[i];
    std::vector<replica_addr> stored;
    for (auto& r : ch.replicas)
      if (c.stored[i].count(r.data_port)) stored.push_back(r);
    if (stored.size() < opts_.write_quorum) {
      ++cov_.puts_failed;
      return finish(c);
    }
    ch.replicas = stored;
    commit.chunks.push_back(ch);
  }
  send_commit(a, std::move(commit));
}

void world::send_commit(addr a, put_commit commit) {
  auto& c = clients_[a];
  commit.client_id = a;  // >= first_client: never 0
  commit.request_no = ++c.requests;
  c.op = op_kind::put_commit;
  c.commit_sent = now_;
  c.commit = commit;
  c.tries = 1;
  c.rid = next_rid_++;
  c.deadline = now_ + op_timeout;
  send(a, master_addr, c.rid, commit);
}

void world::start_get_read(addr a) {
  auto& c = clients_[a];
  while (c.chunk < c.layout.chunks.size()) {
    auto& ch = c.layout.chunks[c.chunk];
    if (c.replica < ch.replicas.size()) {
      c.op = op_kind::get_read;
      c.rid = next_rid_++;
      c.deadline = now_ + milliseconds(50);
      send(a, ch.replicas[c.replica].data_port, c.rid, read_msg{ch.handle});
      return;
    }
    return finish(c);  // no replica answered: the get fails (no invariant says otherwise)
  }
  // Every chunk read: the bytes must be one whole put of this path.
  ++cov_.gets_ok;
  auto v = c.layout.versions.at(0).number;
  auto& acked = acked_[c.path];
  if (auto it = acked.find(v); it != acked.end() && it->second.acked_at <= c.get_started &&
                               it->second.bytes != c.content &&
                               !removed_since(c.path, it->second.commit_sent))
    return fail("reads_exact: " + c.path + " version " + std::to_string(v) +
                " read back other bytes than its acknowledged put");
  bool copy_path = c.path.compare(0, 2, "/c") == 0;
  if (!(copy_path ? attempted_files_ : attempted_[c.path]).count(c.content))
    return fail("reads_exact: " + c.path + " version " + std::to_string(v) + " (" +
                std::to_string(c.content.size()) + " bytes) is no whole put of " +
                (copy_path ? "any file" : "that path"));
  if (copy_path) ++cov_.copy_gets;
  // What a client has read must survive like what it was told was written: the master
  // answers reads only once what they saw is durable.
  // A version number comes back after an rm: only the same put's acknowledgement carries over
  // (seed 100024: a read of a new, not yet acknowledged /f3 v1 inherited the old v1's, and a stat
  // that rightly showed the rm was then taken for a stale one).
  auto& seen = acked[v];
  auto commit_acked = seen.bytes == c.content ? seen.commit_acked : std::nullopt;
  seen = {c.content, c.get_started, now_, commit_acked};
  finish(c);
}

void world::client_receive(addr a, const message& m) {
  auto& c = clients_[a];
  if (c.op == op_kind::idle) return;
  if (c.op == op_kind::put_push) {
    if (auto* r = as<push_reply_msg>(m); r && r->ok) {
      // rid encodes (chunk index, replica) for the pushes of one put.
      auto idx = (m.rid >> 8) & 0xffff, rep = m.rid & 0xff;
      if ((m.rid >> 24) != c.rid || idx >= c.plan.chunks.size()) return;
      c.stored[idx].insert(c.plan.chunks[idx].replicas.at(rep).data_port);
      size_t done = 0;
      for (auto& [i, s] : c.stored) done += s.size();
      if (done == c.pushes_out) commit_put(a);
    }
    return;
  }
  if (m.rid != c.rid) return;  // late or duplicated
  switch (c.op) {
    case op_kind::put_plan: {
      auto* p = as<put_plan>(m);
      if (p == nullptr || p->status != ns_status::ok) {
        ++cov_.puts_failed;
        return finish(c);
      }
      c.plan = *p;
      c.stored.clear();
      c.pushes_out = 0;
      c.op = op_kind::put_push;
      c.deadline = now_ + milliseconds(100);
      for (size_t i = 0; i < p->chunks.size(); ++i) {
        auto& ch = p->chunks[i];
        auto bytes = c.content.substr(i * p->chunk_size_bytes, ch.size_bytes);
        for (size_t r = 0; r < ch.replicas.size(); ++r, ++c.pushes_out)
          send(a, ch.replicas[r].data_port, (c.rid << 24) | (i << 8) | r,
               push_msg{ch.handle, ch.chunk_version, bytes});
      }
      if (c.pushes_out == 0) commit_put(a);
      return;
    }
    case op_kind::put_commit: {
      auto* r = as<ns_reply>(m);
      if (r == nullptr || r->status != ns_status::ok || r->versions.empty()) {
        ++cov_.puts_failed;
        return finish(c);
      }
      ++cov_.puts_acked;
      acked_[c.path][r->versions[0].number] = {c.content, c.commit_sent, now_, now_};
      if (tracing())
        std::fprintf(stderr, "t=%lld client%u acked %s v%llu\n",
                     (long long)(now_.time_since_epoch().count() / 1000000), a, c.path.c_str(),
                     (unsigned long long)r->versions[0].number);
      return finish(c);
    }
    case op_kind::get_layout: {
      auto* r = as<ns_reply>(m);
      if (r == nullptr || r->status != ns_status::ok) return finish(c);
      auto& v = r->versions.at(0);
      uint64_t want = v.chunk_size_bytes == 0 || !r->inline_data.empty()
                          ? 0
                          : (v.size_bytes + v.chunk_size_bytes - 1) / v.chunk_size_bytes;
      if (r->inline_data.size() != (r->inline_data.empty() ? 0 : v.size_bytes))
        return fail("inline_whole: " + c.path + " version " + std::to_string(v.number) + " has " +
                    std::to_string(r->inline_data.size()) + " inline bytes of " +
                    std::to_string(v.size_bytes));
      if (r->chunks.size() != want || v.chunk_count != want)
        return fail("no_partial_version: " + c.path + " version " + std::to_string(v.number) +
                    " lists " + std::to_string(r->chunks.size()) + " of " + std::to_string(want) +
                    " chunks");
      c.layout = *r;
      c.chunk = c.replica = 0;
      c.content = r->inline_data;  // a small file's bytes came with the layout
      return start_get_read(a);
    }
    case op_kind::get_read: {
      auto* r = as<read_reply_msg>(m);
      if (r != nullptr && r->ok) {
        c.content += r->bytes;
        ++c.chunk;
        c.replica = 0;
      } else {
        ++c.replica;
      }
      return start_get_read(a);
    }
    case op_kind::remove:
    case op_kind::mkdir:
      return finish(c);
    case op_kind::copy: {
      auto* r = as<ns_reply>(m);
      if (r != nullptr && r->status == ns_status::ok) {
        if (r->versions.empty() || r->entries.empty() || r->entries[0].name != c.path)
          return fail("copies: cp to " + c.path + " answered without its version and path");
        ++cov_.copies_acked;
        copies_[c.path].insert(r->versions[0].number);
      }
      return finish(c);
    }
    case op_kind::stat: {
      auto* r = as<ns_reply>(m);
      if (r == nullptr) return finish(c);
      if (r->status == ns_status::not_found) {
        ++cov_.stats_asked;
        observe_stat(a, 0);
        return finish(c);
      }
      if (r->status != ns_status::ok || r->entries.size() != r->versions.size()) return finish(c);
      ++cov_.stats_asked;
      std::optional<dir_lease> lease;
      if (r->lease_ms > 0) {
        auto term = milliseconds(r->lease_ms);
        lease = dir_lease{c.get_started + term - term / 8, {}};
      }
      uint64_t newest = 0;
      for (size_t i = 0; i < r->entries.size(); ++i) {
        if (lease && !r->entries[i].is_dir)
          lease->newest[r->entries[i].name] = r->versions[i].number;
        if (r->entries[i].name == c.path && !r->entries[i].is_dir) newest = r->versions[i].number;
      }
      c.lease = std::move(lease);
      observe_stat(a, newest);
      return finish(c);
    }
    default:
      return;
  }
}

void world::observe_stat(addr a, uint64_t newest) {
  auto& c = clients_[a];
  auto it = acked_.find(c.path);
  if (it == acked_.end()) return;
  for (auto& [v, put] : it->second) {
    if (!put.commit_acked || *put.commit_acked >= c.get_started || v <= newest) continue;
    if (removed_since(c.path, put.commit_sent)) continue;
    return fail("stat_fresh: client" + std::to_string(a) + "'s stat of " + c.path + " shows " +
                (newest == 0 ? std::string("no file") : "version " + std::to_string(newest)) +
                ", but version " + std::to_string(v) + " was acknowledged before it started");
  }
}

// -- invariants ---------------------------------------------------------------------------------

void world::fail(const std::string& what) {
  if (failure_.empty())
    failure_ = "t=" + std::to_string(now_.time_since_epoch().count() / 1000000) + "ms " + what;
}

void world::check() {
  if (!master_.up || !failure_.empty()) return;
  const auto& meta = master_.core->meta();
  for (auto& [path, versions] : copies_) {
    auto vs = meta.versions(path, std::numeric_limits<uint32_t>::max());
    uint64_t newest = vs && !vs->empty() ? vs->back().number : 0;
    if (newest > copy_requests_[path])
      return fail("copies: " + path + " has version " + std::to_string(newest) + " after " +
                  std::to_string(copy_requests_[path]) + " copy requests (one applied twice)");
    for (auto v : versions) {
      bool kept = false;
      if (vs)
        for (auto& x : *vs) kept = kept || x.number == v;
      if (!kept && newest < v + opts_.max_versions)
        return fail("copies: " + path + " version " + std::to_string(v) + " is gone");
    }
  }
  // acked_version_kept and chunks_kept, for every acknowledged version.
  for (auto& [path, versions] : acked_) {
    auto vs = meta.versions(path, std::numeric_limits<uint32_t>::max());
    for (auto& [v, put] : versions) {
      if (removed_since(path, put.commit_sent)) continue;
      const master::version_info* found = nullptr;
      size_t newer = 0;
      if (vs)
        for (auto& x : *vs) {
          if (x.number == v) found = &x;
          if (x.number > v) ++newer;
        }
      if (found == nullptr) {
        if (newer >= opts_.max_versions) continue;  // dropped by the version cap
        return fail("acked_version_kept: " + path + " version " + std::to_string(v) + " is gone");
      }
      if (found->is_inline() && found->inline_data != put.bytes)
        return fail("acked_version_kept: " + path + " version " + std::to_string(v) +
                    " holds other inline bytes than its acknowledged put");
      for (size_t i = 0; i < found->chunks.size(); ++i) {
        auto h = found->chunks[i].value;
        auto want = put.bytes.substr(i * found->chunk_size_bytes, found->chunk_size_bytes);
        bool held = false;
        for (auto& [a, s] : servers_)
          if (auto it = s.chunks.find(h); it != s.chunks.end() && it->second.bytes == want)
            held = true;
        if (!held)
          return fail("chunks_kept: chunk " + master::chunk_handle{h}.to_string() + " of " + path +
                      " version " + std::to_string(v) + " is on no chunkserver disk");
      }
    }
  }
  check_applied_once();
  if (!failure_.empty()) return;
  if (deletions_ != deletions_checked_) {
    deletions_checked_ = deletions_;
    check_all_chunks_held();
    if (!failure_.empty()) return;
  }
  // replay_equal: an idle master's state is exactly what its disk replays to.
  if (master_.core->idle() && master_.d.unsynced.empty() &&
      master_.d.changes != master_.replayed_changes) {
    master_.replayed_changes = master_.d.changes;
    ++cov_.replay_checks;
    master::master_core replayed(master_.core->options(), master_id());
    if (auto r = replayed.recover(master_.d.checkpoint.value_or(master::master_snapshot{}),
                                  master_.d.synced, now_);
        !r)
      return fail("replay_equal: the disk does not replay: " + r.err().message);
    if (replayed.meta().canonical_dump() != meta.canonical_dump())
      return fail("replay_equal: the master's state differs from the replay of its disk");
  }
}

// Every put has its own handles, so two versions with the same chunks are one commit applied
// twice (a retried commit, if the master did not recognise it, shares the first's chunks).
void world::check_applied_once() {
  const auto& meta = master_.core->meta();
  for (auto& [path, tried] : attempted_) {
    auto vs = meta.versions(path, std::numeric_limits<uint32_t>::max());
    if (!vs) continue;
    std::set<std::vector<master::chunk_handle>> seen;
    for (auto& v : *vs)
      if (!v.chunks.empty() && !seen.insert(v.chunks).second)
        return fail("applied_once: " + path + " version " + std::to_string(v.number) +
                    " repeats the chunks of an older version (a commit applied twice)");
  }
}

bool world::removed_since(const std::string& path, time_point commit_sent) const {
  auto it = remove_sent_.find(path);
  return it != remove_sent_.end() && it->second + opts_.max_delay >= commit_sent;
}

void world::check_all_chunks_held() {
  auto snap = master_.core->meta().snapshot();
  for (auto& f : snap.files)
    for (auto& v : f.versions)
      for (size_t i = 0; i < v.chunks.size(); ++i) {
        auto h = v.chunks[i].value;
        bool held = false;
        for (auto& [a, s] : servers_) held = held || s.chunks.count(h) > 0;
        if (!held)
          return fail("chunks_kept: chunk " + v.chunks[i].to_string() + " of " + f.path +
                      " version " + std::to_string(v.number) +
                      " was deleted from every chunkserver while the version lives");
      }
}

std::string world::summary() const {
  return "steps=" + std::to_string(cov_.steps) + " puts_acked=" + std::to_string(cov_.puts_acked) +
         " puts_failed=" + std::to_string(cov_.puts_failed) +
         " gets_ok=" + std::to_string(cov_.gets_ok) +
         " master_crashes=" + std::to_string(cov_.master_crashes) +
         " chunkserver_crashes=" + std::to_string(cov_.chunkserver_crashes) +
         " torn_records=" + std::to_string(cov_.torn_records) +
         " checkpoints=" + std::to_string(cov_.checkpoints) +
         " replay_checks=" + std::to_string(cov_.replay_checks) +
         " commit_retries=" + std::to_string(cov_.commit_retries) +
         " copies_acked=" + std::to_string(cov_.copies_acked) +
         " copy_retries=" + std::to_string(cov_.copy_retries) +
         " copy_gets=" + std::to_string(cov_.copy_gets);
}

}  // namespace dfs::sim::storage_world
