#include "sim/mutation/mutation_world.hpp"

#include <algorithm>

namespace dfs::sim::mutation {

using namespace chunkserver;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t current_version = 2;  // the primary's lease; the stale primary has 1
constexpr uint32_t primary_addr = 1, stale_addr = 4, first_client = 10;

primary_options primary_opts(uint64_t chunk_size) {
  primary_options o;
  o.chunk_size_bytes = chunk_size;
  o.reply_timeout = 100ms;
  o.resend_interval = 20ms;
  return o;
}

secondary_options secondary_opts() {
  secondary_options o;
  o.gap_timeout = 50ms;
  o.max_resend_requests = 10;
  o.max_held_per_chunk = 16;
  return o;
}

net_options net_opts(const world_options& o) {
  net_options n;
  n.loss = o.loss;
  n.duplicate = o.duplicate;
  n.min_delay = 1ms;
  n.max_delay = o.max_delay;
  n.long_delay_chance = o.long_delay_chance;
  n.long_delay = o.long_delay;
  return n;
}

std::string ms_text(core::time_point t) {
  return std::to_string(std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count()) +
         "ms";
}

}  // namespace

world::world(uint64_t seed, world_options opts)
    : seed_(seed), opts_(opts), rng_(seed * 7919 + 17), net_(seed, net_opts(opts)) {
  auto ms = [&](int lo, int hi) {
    return milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng_));
  };
  handover_at_ = now_ + ms(20, 400);
  const uint64_t last_handle = 1 + opts_.append_chunks;
  for (addr a : {1u, 2u, 3u, 4u}) {
    server s;
    s.id = a;
    s.primary = mutation_primary(primary_opts(opts_.chunk_size));
    s.secondary = mutation_secondary(secondary_opts());
    for (uint64_t h = 1; h <= last_handle; ++h) {
      uint64_t v = a == stale_addr ? current_version - 1 : current_version;
      s.disk[h] = chunk_disk{"", v, 0};
      if (a == primary_addr || a == stale_addr) {
        uint64_t holder_ms = 3600 * 1000;
        if (a == primary_addr && opts_.handover && !opts_.same_primary)
          holder_ms = std::chrono::duration_cast<milliseconds>(handover_at_ - now_).count();
        bool ok = s.leases.on_grant({h, v, holder_ms}, now_, now_);
        if (!ok) fail("setup: lease refused");
      } else {
        s.secondary.load(h, v, 0);
      }
    }
    servers_.emplace(a, std::move(s));
  }
  for (uint32_t i = 0; i < opts_.clients; ++i) {
    client c;
    c.id = first_client + i;
    c.target = i < opts_.stale_clients ? stale_addr : primary_addr;
    clients_.push_back(c);
  }
  // With a handover, n2 takes the lease: the master would not grant it to a server down.
  crash_victim_ = opts_.handover ? 3 : std::uniform_int_distribution<int>(2, 3)(rng_);
  crash_at_ = now_ + ms(30, 500);
  restart_at_ = crash_at_ + ms(10, 300);
}

void world::fail(const std::string& why) {
  if (failure_.empty())
    failure_ = "seed " + std::to_string(seed_) + " at " + ms_text(now_) + ": " + why;
}

void world::run() {
  const auto end = now_ + opts_.run_limit;
  bool finished = false;
  for (uint64_t step = 0; now_ < end && failure_.empty(); ++step, now_ += 1ms) {
    crash_or_restart();
    if (opts_.handover) handover();
    for (auto& env : net_.deliver_due(now_)) deliver(env.from, env.to, env.msg);
    run_disks();
    if (step % 5 == 0) {
      for (auto& [a, s] : servers_) {
        if (!s.up) continue;
        carry(s, s.primary.on_tick(s.leases, now_));
        carry(s, s.secondary.on_tick(now_));
      }
    }
    bool all_done = true;
    for (auto& c : clients_) {
      if (!c.busy && c.done_ops < opts_.ops_per_client) next_op(c);
      if (c.busy && now_ >= c.retry_at) {
        ++cov_.joined_or_cached;
        attempt(c);
      }
      all_done = all_done && c.done_ops == opts_.ops_per_client;
    }
    if (all_done && quiet()) {
      finished = true;
      break;
    }
  }
  if (!failure_.empty()) return;
  if (!finished) {
    std::string who;
    for (auto& c : clients_)
      who += " c" + std::to_string(c.id) + "=" + std::to_string(c.done_ops) + "/" +
             std::to_string(opts_.ops_per_client);
    fail("did not finish:" + who);
    return;
  }
  cov_.runs = 1;
  cov_.duplicates = net_.stats().duplicated;
  final_checks();
}

bool world::quiet() const {
  for (addr a : {1u, 2u, 3u}) {
    const auto& s = servers_.at(a);
    if (!s.up || !s.jobs.empty()) return false;
    for (const auto& [h, d] : s.disk)
      if (s.primary.in_flight(h) > 0) return false;
  }
  return true;
}

void world::handover() {
  if (opts_.same_primary) {
    if (handed_over_ || now_ < handover_at_) return;
    // n1 takes a new lease with the next version while its old one runs, and stores it; its
    // in-flight mutations of the old version may still reach the replicas.
    handed_over_ = granted_ = true;
    ++cov_.handovers;
    auto& p = srv(primary_addr);
    for (auto& [h, d] : p.disk) {
      if (!p.leases.on_grant({h, current_version + 1, 3600 * 1000}, now_, now_))
        fail("superseding grant refused");
      disk_job j;
      j.m.handle = h;
      j.store_version = current_version + 1;
      queue_job(p, j);
    }
    return;
  }
  if (!handed_over_ && now_ >= handover_at_) {
    // n1's lease ran out by its clock. Its owner reloads the secondary state of those chunks
    // from the store, so it follows the next primary from what it holds.
    handed_over_ = true;
    primary_ = 0;
    ++cov_.handovers;
    auto& p = srv(primary_addr);
    for (const auto& [h, d] : p.disk) p.secondary.load(h, d.version, d.applied);
  }
  if (handed_over_ && !granted_ && now_ >= handover_at_ + opts_.handover_gap) {
    // The master grants n2 the lease with the next version; n2 stores it.
    granted_ = true;
    primary_ = 2;
    auto& a = srv(2);
    for (auto& [h, d] : a.disk) {
      if (!a.leases.on_grant({h, current_version + 1, 3600 * 1000}, now_, now_))
        fail("grant refused");
      a.secondary.load(h, current_version + 1, 0);
      disk_job j;
      j.m.handle = h;
      j.store_version = current_version + 1;
      queue_job(a, j);
    }
  }
}

void world::queue_job(server& s, disk_job j) {
  j.done_at = now_ + milliseconds(std::uniform_int_distribution<int>(
                         0, static_cast<int>(opts_.max_disk_delay.count()))(rng_));
  if (!s.jobs.empty()) j.done_at = std::max(j.done_at, s.jobs.back().done_at);
  s.jobs.push_back(j);
}

void world::crash_or_restart() {
  if (!opts_.crash_secondary) return;
  auto& s = srv(crash_victim_);
  if (!crashed_ && now_ >= crash_at_) {
    crashed_ = true;
    ++cov_.crashes;
    net_.crash(crash_victim_);
    s.up = false;
    s.pending.clear();  // pushed data, held mutations and unfinished disk writes are lost
    s.jobs.clear();
    s.secondary = mutation_secondary(secondary_opts());
  } else if (crashed_ && !restarted_ && now_ >= restart_at_) {
    restarted_ = true;
    net_.restart(crash_victim_);
    s.up = true;
    for (const auto& [h, d] : s.disk) s.secondary.load(h, d.version, d.applied);
  }
}

void world::deliver(addr from, addr to, const msg& m) {
  if (to >= first_client) {
    if (auto* r = std::get_if<client_reply>(&m)) on_reply(clients_.at(to - first_client), from, *r);
    return;
  }
  auto& s = srv(to);
  if (s.up) on_server_msg(s, from, m);
}

void world::on_server_msg(server& s, addr from, const msg& m) {
  if (auto* p = std::get_if<push_msg>(&m)) {
    s.pending[p->id] = p->bytes;
  } else if (auto* r = std::get_if<client_request>(&m)) {
    bool ready = s.pending.count(r->data.value) > 0;
    uint64_t length = s.disk[r->handle].bytes.size();
    carry(s, s.primary.on_request(*r, ready, length, s.leases, now_));
  } else if (auto* mu = std::get_if<chunkserver::mutation>(&m)) {
    carry(s, s.secondary.on_mutation(ep(from), *mu, now_));
    if (s.secondary.held(mu->handle) > 0) ++cov_.held;
  } else if (auto* a = std::get_if<mutation_ack>(&m)) {
    if (a->status == ack_status::stale_primary) ++cov_.stale_refused;
    if (a->status == ack_status::data_missing) ++cov_.data_missing;
    carry(s, s.primary.on_ack(ep(from), *a, s.leases, now_));
  } else if (auto* q = std::get_if<resend_request>(&m)) {
    carry(s, s.primary.on_resend_request(ep(from), *q, s.leases, now_));
  } else if (auto* g = std::get_if<mutation_gone>(&m)) {
    carry(s, s.secondary.on_gone(ep(from), *g, now_));
  }
}

void world::carry(server& s, const primary_effects& fx) {
  for (const auto& d : fx.apply) {
    if (s.id != stale_addr) {
      mkey key{d.m.handle, d.m.chunk_version, d.m.serial};
      if (ordered_.count(key) > 0) fail("serial ordered twice: " + std::to_string(d.m.serial));
      ordered_[key] = d.m;
      if (d.m.kind == mutation_kind::write) {
        serials_of_data_[d.m.data.value].push_back(key);
        auto owner = data_owner_.at(d.m.data.value);
        auto acked = acknowledged_.find(owner);
        if (acked != acknowledged_.end() && acked->second == s.id)
          fail("request c" + std::to_string(owner.client_id) + "/" +
               std::to_string(owner.request_number) + " ordered again by n" + std::to_string(s.id) +
               " after it acknowledged it");
      }
    }
    disk_job j;
    j.m = d.m;
    j.as_primary = true;
    queue_job(s, j);
  }
  for (const auto& m : fx.send) send(s.id, of(m.to), m.m);
  for (const auto& g : fx.gone) send(s.id, of(g.to), g.gone);
  for (const auto& r : fx.replies) send(s.id, static_cast<addr>(r.client_id), r);
  for (auto h : fx.drop_leases) s.leases.drop(h);
  for (auto h : fx.mutated) s.leases.note_mutation(h);
}

void world::carry(server& s, const secondary_effects& fx) {
  // Version stores and applies share the disk queue: an adoption lands after what came
  // before it and before what follows.
  for (const auto& v : fx.set_versions) {
    disk_job j;
    j.m.handle = v.handle;
    j.store_version = v.chunk_version;
    queue_job(s, j);
  }
  for (const auto& d : fx.apply) {
    disk_job j;
    j.m = d.m;
    queue_job(s, j);
  }
  for (const auto& a : fx.acks) send(s.id, of(a.to), a.ack);
  for (const auto& r : fx.resend_requests) {
    ++cov_.resend_requests;
    send(s.id, of(r.to), r.request);
  }
  for (auto h : fx.out_of_sync)
    fail("n" + std::to_string(s.id) + " chunk " + std::to_string(h) + " out of sync");
}

void world::run_disks() {
  for (auto& [a, s] : servers_) {
    while (s.up && !s.jobs.empty() && s.jobs.front().done_at <= now_) {
      auto j = s.jobs.front();
      s.jobs.erase(s.jobs.begin());
      apply(s, j);
    }
  }
}

void world::apply(server& s, const disk_job& j) {
  const auto& m = j.m;
  auto& d = s.disk[m.handle];
  if (j.store_version != 0) {
    d.version = j.store_version;
    d.applied = 0;
    auto& maxv = max_version_[{s.id, m.handle}];
    maxv = std::max(maxv, j.store_version);
    ++cov_.adopted;
    return;
  }
  apply_result result = apply_result::ok;
  if (m.kind == mutation_kind::write && s.pending.count(m.data.value) == 0) {
    result = apply_result::data_missing;
  } else {
    if (d.bytes.size() < m.offset + m.length) d.bytes.resize(m.offset + m.length, '\0');
    if (m.kind == mutation_kind::write) {
      const auto& bytes = s.pending.at(m.data.value);
      if (bytes.size() != m.length) fail("pushed data of the wrong length");
      d.bytes.replace(m.offset, m.length, bytes);
    } else {
      d.bytes.replace(m.offset, m.length, std::string(m.length, '\0'));
    }
    d.version = m.chunk_version;
    d.applied = m.serial;
    check_apply(s, m);
    ++cov_.applied;
  }
  if (j.as_primary) {
    carry(s, s.primary.on_applied(m, result, s.leases, now_));
  } else {
    carry(s, s.secondary.on_applied(m, result, now_));
  }
}

void world::check_apply(const server& s, const chunkserver::mutation& m) {
  if (s.id == stale_addr) return;  // its own (stale) replica: never read, never checked
  auto& maxv = max_version_[{s.id, m.handle}];
  if (m.chunk_version < current_version || m.chunk_version < maxv) {
    fail("n" + std::to_string(s.id) + " applied a stale primary's mutation (version " +
         std::to_string(m.chunk_version) + ", knew " + std::to_string(maxv) + ")");
    return;
  }
  maxv = m.chunk_version;
  auto& last = last_applied_[{s.id, m.handle, m.chunk_version}];
  if (m.serial != last + 1)
    fail("n" + std::to_string(s.id) + " chunk " + std::to_string(m.handle) + " applied serial " +
         std::to_string(m.serial) + " after " + std::to_string(last));
  auto it = ordered_.find({m.handle, m.chunk_version, m.serial});
  if (it == ordered_.end() || !(it->second == m))
    fail("n" + std::to_string(s.id) + " applied serial " + std::to_string(m.serial) +
         " unlike the primary ordered it");
  last = m.serial;
}

void world::next_op(client& c) {
  if (c.done_ops >= opts_.ops_per_client) return;
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); };
  ++c.request_number;
  bool append = pick(0, 9) < 6;
  uint64_t len = append ? pick(16, static_cast<int>(opts_.chunk_size / 4))
                        : pick(1, static_cast<int>(opts_.chunk_size / 2));
  std::string bytes(len, 'x');
  for (auto& ch : bytes) ch = static_cast<char>('a' + pick(0, 25));
  c.bytes = bytes;
  c.req = client_request{};
  c.req.client_id = c.id;
  c.req.request_number = c.request_number;
  c.req.op = append ? client_op::append : client_op::write;
  c.req.handle = append ? c.append_handle : 1;
  c.req.offset = append ? 0 : pick(0, static_cast<int>(opts_.chunk_size - len));
  c.req.length = len;
  c.req.data = data_id{uint64_t{c.id} * 1000000 + c.request_number};
  data_[c.req.data.value] = bytes;
  data_owner_[c.req.data.value] = request_key{c.id, c.request_number};
  c.busy = true;
  attempt(c);
}

void world::attempt(client& c) {
  // Push (again) to every server that may be asked, then ask.
  for (addr a : {1u, 2u, 3u, 4u}) send(c.id, a, push_msg{c.req.data.value, c.bytes});
  c.req.secondaries.clear();
  for (addr a : {1u, 2u, 3u})
    if (a != c.target && (c.target != stale_addr || a != primary_addr))
      c.req.secondaries.push_back(ep(a));
  send(c.id, c.target, c.req);
  c.retry_at = now_ + milliseconds(std::uniform_int_distribution<int>(40, 120)(rng_));
}

void world::on_reply(client& c, addr from, const client_reply& r) {
  if (!c.busy || r.request_number != c.request_number) return;  // old or duplicated
  request_key key{c.id, c.request_number};
  auto soon = [&](int lo, int hi) {
    c.retry_at = now_ + milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng_));
  };
  switch (r.status) {
    case mutation_status::ok:
      acknowledged_[key] = from;
      check_durable_everywhere(c);
      if (c.req.op == client_op::append) {
        records_.push_back(record{c.req.handle, r.offset, c.bytes});
        ++cov_.acked_appends;
      } else {
        if (r.offset != c.req.offset) fail("a write answered with another offset");
        ++cov_.acked_writes;
      }
      ++c.done_ops;
      c.busy = false;
      break;
    case mutation_status::retry_next_chunk:
      acknowledged_[key] = from;
      ++cov_.next_chunk;
      if (++c.append_handle > 1 + opts_.append_chunks) {
        fail("out of append chunks");
        return;
      }
      ++c.request_number;
      c.req.request_number = c.request_number;
      c.req.handle = c.append_handle;
      c.req.data = data_id{uint64_t{c.id} * 1000000 + c.request_number};
      data_[c.req.data.value] = c.bytes;
      data_owner_[c.req.data.value] = request_key{c.id, c.request_number};
      attempt(c);
      break;
    case mutation_status::not_primary:
    case mutation_status::lease_expired:
      if (primary_ != 0) c.target = primary_;  // "ask the master again"
      soon(1, 10);
      break;
    default:
      soon(5, 30);
      break;
  }
}

void world::check_durable_everywhere(const client& c) {
  // Told ok only once every replica made it durable: each one applied its serial by now.
  // (After a handover the request may have been ordered twice, once per primary: one of
  // them is enough.)
  auto it = serials_of_data_.find(c.req.data.value);
  if (it == serials_of_data_.end()) {
    fail("acknowledged a request never ordered");
    return;
  }
  for (const auto& [h, v, serial] : it->second) {
    bool everywhere = true;
    for (addr a : {1u, 2u, 3u}) everywhere = everywhere && last_applied_[{a, h, v}] >= serial;
    if (everywhere) return;
  }
  fail("acknowledged c" + std::to_string(c.id) + "/" + std::to_string(c.request_number) +
       " before every replica applied it");
}

void world::final_checks() {
  if (opts_.handover) {
    // Across a change of primary only the written chunk must be identical (every failed
    // write was retried to success over the same range); append chunks may differ where an
    // append failed (GFS's inconsistent regions), never in an acknowledged record.
    const auto& b = srv(1).disk.at(1).bytes;
    for (addr a : {2u, 3u})
      if (srv(a).disk.at(1).bytes != b) fail("n" + std::to_string(a) + " chunk 1 differs from n1");
    check_records();
    return;
  }
  // The primary's mutations replayed in serial order, chunk by chunk.
  std::map<uint64_t, std::string> expected;
  for (const auto& [key, m] : ordered_) {  // ordered by (handle, serial)
    auto& b = expected[m.handle];
    if (b.size() < m.offset + m.length) b.resize(m.offset + m.length, '\0');
    b.replace(
        m.offset, m.length,
        m.kind == mutation_kind::write ? data_.at(m.data.value) : std::string(m.length, '\0'));
  }
  for (addr a : {1u, 2u, 3u}) {
    for (const auto& [h, d] : srv(a).disk) {
      if (d.bytes != expected[h]) {
        fail("n" + std::to_string(a) + " chunk " + std::to_string(h) +
             " differs from the primary's order (" + std::to_string(d.bytes.size()) + " vs " +
             std::to_string(expected[h].size()) + " bytes)");
        return;
      }
    }
  }
  check_records();
}

void world::check_records() {
  for (const auto& r : records_) {
    for (addr a : {1u, 2u, 3u}) {
      const auto& b = srv(a).disk.at(r.handle).bytes;
      if (b.size() < r.offset + r.bytes.size() ||
          b.compare(r.offset, r.bytes.size(), r.bytes) != 0) {
        fail("record at chunk " + std::to_string(r.handle) + " offset " + std::to_string(r.offset) +
             " torn or missing on n" + std::to_string(a));
        return;
      }
    }
  }
}

}  // namespace dfs::sim::mutation
