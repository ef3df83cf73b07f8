#include "sim/lease/lease_world.hpp"

#include <cmath>

namespace dfs::sim::lease {

namespace {

uint64_t ms_of(core::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<milliseconds>(d).count());
}

std::string ms_text(core::time_point t) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() /
             1000.0) +
         "ms";
}

}  // namespace

core::time_point world::node_clock::local(core::time_point real) const {
  auto elapsed = static_cast<double>((real - life_start_real).count());
  return local_at_start + core::duration(static_cast<core::duration::rep>(elapsed * rate));
}

core::duration world::node_clock::real_delay(core::duration local_d) const {
  // Rounded up: the local clock has advanced at least `local_d` when the event fires.
  return core::duration(
      static_cast<core::duration::rep>(std::ceil(static_cast<double>(local_d.count()) / rate)));
}

world::world(uint64_t seed, world_options opts)
    : seed_(seed),
      opts_(opts),
      rng_(seed),
      net_(seed * 7919 + 1,
           net_options{opts.loss, opts.duplicate, milliseconds(1), opts.max_delay}) {
  cs_.resize(opts_.chunkservers);
  for (auto& c : cs_)
    for (uint64_t h = 1; h <= opts_.chunks; ++h) c.versions[h] = 1;  // every replica current
  for (uint64_t h = 1; h <= opts_.chunks; ++h) master_.durable_versions[h] = 1;
  // How busy primaries are in this run: from rarely (leases lapse, new grants) to always
  // (renewed for as long as the primary can reach the master).
  static constexpr double busy[] = {0.02, 0.1, 0.5};
  mutation_chance_ = busy[rng_() % 3];
}

master::lease_options world::master_lease_options() const {
  master::lease_options o;
  o.duration = opts_.lease_duration;
  o.max_drift_ppm = opts_.configured_drift_ppm;
  o.offer_timeout = 3 * opts_.heartbeat;
  return o;
}

world::node_clock world::new_clock(core::time_point local_base) {
  double rho = static_cast<double>(opts_.drift_ppm) / 1e6;
  node_clock c;
  c.life_start_real = now_;
  c.local_at_start = local_base;
  // The extremes are the interesting cases: a third of the lives run at the bound.
  auto pick = rng_() % 3;
  c.rate = pick == 0   ? 1 - rho
           : pick == 1 ? 1 + rho
                       : 1 + std::uniform_real_distribution<double>(-rho, rho)(rng_);
  return c;
}

void world::schedule(core::time_point at, ev kind, addr who, uint64_t life, uint64_t arg) {
  events_.push(event{at, order_++, kind, who, life, arg});
}

void world::fail(const std::string& why) {
  if (failure_.empty())
    failure_ = "seed " + std::to_string(seed_) + " at " + ms_text(now_) + ": " + why;
}

void world::start_master() {
  auto& m = master_;
  ++m.life;
  m.up = true;
  net_.restart(0);
  // Any local base: only durations are measured. A restart forgets the lease table.
  m.clock = new_clock(core::time_point{} + std::chrono::hours(1 + rng_() % 100));
  m.started = m.clock.local(now_);
  m.table = std::make_unique<master::lease_table>(master_lease_options(), m.started);
  m.versions = m.durable_versions;
  m.holders = m.durable_holders;
  m.takeover_grant.clear();
  m.superseding.clear();
  m.lives.clear();
  m.last_heard.clear();
  m.reported.clear();
  m.last_expiry.clear();
  schedule(now_ + m.clock.real_delay(milliseconds(50)), ev::master_tick, 0, m.life);
}

void world::start_chunkserver(addr a) {
  auto& c = cs_[a - 1];
  ++c.life;
  c.up = true;
  net_.restart(a);
  c.clock = new_clock(core::time_point{} + std::chrono::hours(1 + rng_() % 100));
  c.leases.clear();  // volatile
  c.sent.clear();
  auto first = milliseconds(rng_() % static_cast<uint64_t>(opts_.heartbeat.count()));
  schedule(now_ + first, ev::cs_tick, a, c.life);
}

void world::cs_tick(addr a) {
  auto& c = cs_[a - 1];
  auto local = c.clock.local(now_);
  // Primaries with mutations going on ask for more time.
  for (auto& [h, l] : c.leases.all())
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < mutation_chance_)
      c.leases.note_mutation(h);
  heartbeat_msg hb;
  hb.seq = ++c.seq;
  hb.life = c.life;
  hb.claims = c.leases.claims(local);
  hb.released = c.leases.released(local);
  hb.versions = c.versions;
  c.sent[hb.seq] = local;
  if (c.sent.size() > 256) c.sent.erase(c.sent.begin());
  net_.send(a, 0, hb, now_);
  schedule(now_ + c.clock.real_delay(opts_.heartbeat), ev::cs_tick, a, c.life);
}

void world::on_heartbeat(addr from, const heartbeat_msg& hb) {
  auto& m = master_;
  auto local = m.clock.local(now_);
  m.last_heard[from] = local;
  m.lives[from] = hb.life;
  m.reported[from] = hb.versions;
  auto me = node_id{"cs", static_cast<uint16_t>(from), hb.life};
  for (auto& r : hb.released)
    if (m.table->on_released(me, master::chunk_handle{r.handle}, r.chunk_version, local)) {
      ++cov_.releases;
      m.last_expiry[r.handle] = local;
    }
  std::vector<master::lease_claim_entry> claims;
  for (auto& c : hb.claims)
    claims.push_back({master::chunk_handle{c.handle}, c.chunk_version, c.extend});
  std::map<uint64_t, bool> offering;
  for (auto& [h, l] : m.table->all())
    offering[h] = l.primary == me && l.phase == master::lease_phase::offering;
  std::vector<master::chunk_handle> acked;
  auto offers = m.table->on_heartbeat(me, claims, local, acked);
  auto margin = master_lease_options().margin();
  reply_msg r;
  r.seq = hb.seq;
  for (auto& o : offers) {
    auto h = o.handle.value;
    if (offering[h] && m.superseding[h]) {
      // The same primary's new lease: the one primary it was, checked after every event.
      ++cov_.grants;
      m.superseding[h] = false;
    } else if (offering[h]) {
      ++cov_.grants;
      // The master's own rule, checked from outside the table.
      if (local < m.started + opts_.lease_duration + margin && !m.takeover_grant[h])
        fail("grant on chunk " + std::to_string(h) + " before the restart wait-out");
      if (auto it = m.last_expiry.find(h); it != m.last_expiry.end() && local < it->second + margin)
        fail("grant on chunk " + std::to_string(h) +
             " before the previous lease's expiry + margin");
    } else {
      ++cov_.renewals;
    }
    m.last_expiry[h] = m.table->find(o.handle)->expiry;
    r.grants.push_back({h, o.chunk_version, ms_of(master_lease_options().holder_duration())});
  }
  for (auto& c : hb.claims) {
    master::chunk_handle h{c.handle};
    if (!m.table->revocable(h, me, c.chunk_version, local) ||
        std::uniform_real_distribution<double>(0, 1)(rng_) >= opts_.revoke_chance)
      continue;
    ++cov_.revokes;
    r.revoke.push_back({c.handle, c.chunk_version});
    if (opts_.release_when_revoking && m.table->on_released(me, h, c.chunk_version, local))
      m.last_expiry[c.handle] = local;
  }
  for (auto& [h, v] : m.durable_versions)
    if (hb.versions.count(h) > 0 && hb.versions.at(h) < v) r.versions.push_back({h, v});
  net_.send(0, from, r, now_);
}

void world::on_reply(addr to, const reply_msg& r) {
  auto& c = cs_[to - 1];
  auto it = c.sent.find(r.seq);
  if (it == c.sent.end()) return;
  auto local = c.clock.local(now_);
  for (auto& v : r.versions)
    if (c.versions[v.handle] < v.chunk_version) c.versions[v.handle] = v.chunk_version;
  for (auto& v : r.revoke) (void)c.leases.release(v.handle, v.chunk_version, local);
  for (auto& g : r.grants) {
    bool was = c.leases.is_primary(g.handle, local);
    if (!c.leases.on_grant(g, it->second, local)) continue;
    if (c.versions[g.handle] < g.chunk_version) c.versions[g.handle] = g.chunk_version;
    if (!was) ++cov_.taken;
  }
}

// The takeover rule (master_takeover.cpp) on the sim's state: a chunk never bumped was never
// leased; a newer incarnation heard at the last grant's primary's address means that primary
// has ended; else only that primary, heard and current, may have a grant now.
bool world::takeover_settled(uint64_t h, core::time_point local, std::optional<addr>& only) {
  auto& m = master_;
  if (!opts_.takeover_grants || local >= m.table->quiet_until()) return false;
  if (m.versions[h] <= 1) return true;
  auto it = m.holders.find(h);
  if (it == m.holders.end()) return false;
  auto a = static_cast<addr>(it->second.port);
  auto heard = m.last_heard.find(a);
  if (heard == m.last_heard.end() || local - heard->second > 3 * opts_.heartbeat) return false;
  if (m.lives[a] > it->second.incarnation) return true;
  if (m.lives[a] != it->second.incarnation || m.reported[a][h] != m.versions[h]) return false;
  if (!opts_.takeover_any_primary) only = a;
  return true;
}

void world::request_lease(uint64_t h) {
  auto& m = master_;
  auto local = m.clock.local(now_);
  master::chunk_handle ch{h};
  if (auto* l = m.table->valid(ch, local); l != nullptr) {
    if (l->acked && std::uniform_real_distribution<double>(0, 1)(rng_) < opts_.supersede_chance &&
        m.table->may_supersede(ch, l->primary, local)) {
      auto v = ++m.versions[h];
      m.holders[h] = l->primary;
      m.superseding[h] = true;
      m.takeover_grant[h] = false;
      ++cov_.supersedes;
      m.table->supersede(ch, {}, v, local);
      schedule(now_ + milliseconds(rng_() % 6), ev::bump_durable, 0, m.life, h);
    }
    return;
  }
  std::optional<addr> only;
  bool settled = takeover_settled(h, local, only);
  if (m.table->check_grant(ch, local, settled)) {
    ++cov_.refused;
    return;
  }
  std::vector<addr> live;
  for (auto& [a, at] : m.last_heard)
    if (local - at <= 3 * opts_.heartbeat && m.reported[a][h] == m.versions[h] &&
        (!only || a == *only))
      live.push_back(a);
  if (live.empty()) return;
  auto primary = live[rng_() % live.size()];
  auto v = ++m.versions[h];
  auto id = node_id{"cs", static_cast<uint16_t>(primary), m.lives[primary]};
  m.holders[h] = id;
  m.takeover_grant[h] = settled && local < m.table->quiet_until();
  m.superseding[h] = false;
  if (m.takeover_grant[h]) ++cov_.takeover_grants;
  m.table->reserve(ch, id, {}, v, local, settled);
  // The bump record reaches the disk a little later (a group commit); a crash may lose it.
  schedule(now_ + milliseconds(rng_() % 6), ev::bump_durable, 0, m.life, h);
}

void world::handle(const event& e) {
  switch (e.kind) {
    case ev::cs_tick:
      if (cs_[e.who - 1].up && cs_[e.who - 1].life == e.life) cs_tick(e.who);
      return;
    case ev::master_tick:
      if (!master_.up || master_.life != e.life) return;
      (void)master_.table->on_tick(master_.clock.local(now_));
      schedule(now_ + master_.clock.real_delay(milliseconds(50)), ev::master_tick, 0, e.life);
      return;
    case ev::bump_durable: {
      if (!master_.up || master_.life != e.life) return;
      auto v = master_.versions[e.arg];
      master_.durable_versions[e.arg] = v;
      master_.durable_holders[e.arg] = master_.holders[e.arg];
      master_.table->on_logged(master::chunk_handle{e.arg}, v, true);
      return;
    }
    case ev::request:
      if (master_.up) request_lease(e.arg);
      schedule(now_ + milliseconds(
                          1 + rng_() % static_cast<uint64_t>(2000 / opts_.lease_requests_per_s)),
               ev::request, 0, 0, 1 + rng_() % opts_.chunks);
      return;
    case ev::crash: {
      // who: 0 master, else a chunkserver; arg 1: chaos generator (reschedules itself).
      bool is_master =
          rng_() % 100 < 100 * opts_.master_crashes_per_s /
                             (opts_.master_crashes_per_s + opts_.chunkserver_crashes_per_s);
      addr a = is_master ? 0 : 1 + static_cast<addr>(rng_() % opts_.chunkservers);
      if (a == 0 && master_.up) {
        master_.up = false;
        net_.crash(0);
        ++cov_.master_restarts;
        schedule(now_ + milliseconds(100 + rng_() % 2000), ev::restart, 0, 0);
      } else if (a != 0 && cs_[a - 1].up) {
        cs_[a - 1].up = false;
        net_.crash(a);
        ++cov_.cs_restarts;
        schedule(now_ + milliseconds(100 + rng_() % 3000), ev::restart, a, 0);
      }
      double rate = opts_.master_crashes_per_s + opts_.chunkserver_crashes_per_s;
      schedule(now_ + milliseconds(static_cast<int64_t>(
                                       std::exponential_distribution<double>(rate)(rng_) * 1000) +
                                   1),
               ev::crash, 0, 0);
      return;
    }
    case ev::restart:
      if (e.who == 0)
        start_master();
      else
        start_chunkserver(e.who);
      return;
    case ev::heal:
      if (e.arg == 0) {
        net_.heal();
      } else {
        // Cut a random set of nodes (maybe the master) off from the rest.
        std::set<addr> group;
        for (addr a = 0; a <= opts_.chunkservers; ++a)
          if (rng_() % 3 == 0) group.insert(a);
        net_.partition({group});
        ++cov_.partitions;
        schedule(now_ + milliseconds(200 + rng_() % 2000), ev::heal, 0, 0, 0);
        schedule(now_ + milliseconds(static_cast<int64_t>(std::exponential_distribution<double>(
                                                              opts_.partitions_per_s)(rng_) *
                                                          1000) +
                                     1),
                 ev::heal, 0, 0, 1);
      }
      return;
  }
}

void world::deliver(const sim_network<addr, msg>::envelope& env) {
  if (auto* hb = std::get_if<heartbeat_msg>(&env.msg)) {
    if (env.to == 0 && master_.up) on_heartbeat(env.from, *hb);
  } else if (auto* r = std::get_if<reply_msg>(&env.msg)) {
    if (env.to != 0 && cs_[env.to - 1].up) on_reply(env.to, *r);
  }
}

void world::check() {
  for (uint64_t h = 1; h <= opts_.chunks; ++h) {
    std::vector<addr> primaries;
    for (addr a = 1; a <= opts_.chunkservers; ++a) {
      auto& c = cs_[a - 1];
      if (c.up && c.leases.is_primary(h, c.clock.local(now_))) primaries.push_back(a);
    }
    if (primaries.size() > 1) {
      std::string who;
      for (auto a : primaries) who += " cs" + std::to_string(a);
      fail("two primaries of chunk " + std::to_string(h) + ":" + who);
    }
  }
}

void world::run() {
  start_master();
  for (addr a = 1; a <= opts_.chunkservers; ++a) start_chunkserver(a);
  schedule(now_ + milliseconds(1), ev::request, 0, 0, 1);
  if (opts_.master_crashes_per_s + opts_.chunkserver_crashes_per_s > 0)
    schedule(now_ + milliseconds(500), ev::crash, 0, 0);
  if (opts_.partitions_per_s > 0) schedule(now_ + milliseconds(700), ev::heal, 0, 0, 1);
  auto end = now_ + opts_.run;
  while (!events_.empty() && failure_.empty()) {
    auto next = net_.next_due(events_.top().at);
    if (next > end) break;
    now_ = next;
    for (auto& env : net_.deliver_due(now_)) {
      deliver(env);
      check();
    }
    while (!events_.empty() && events_.top().at <= now_) {
      auto e = events_.top();
      events_.pop();
      handle(e);
      check();
    }
  }
}

}  // namespace dfs::sim::lease
