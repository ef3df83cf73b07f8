#include "sim/membership/swim_cluster.hpp"

#include <sstream>

namespace dfs::sim {

namespace {

size_t varint_size(uint64_t n) {
  size_t s = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++s;
  }
  return s;
}

size_t id_size(const node_id& id) {
  return varint_size(id.host.size()) + id.host.size() + 2 + 8;
}

size_t updates_size(const std::vector<membership::member_update>& us) {
  size_t s = varint_size(us.size());
  for (const auto& u : us) s += id_size(u.id) + 1 + 8 + id_size(u.origin);
  return s;
}

}  // namespace

size_t encoded_size(const packet& p) {
  return 1 + id_size(p.sender) + 8 + 8 + id_size(p.target) + updates_size(p.updates) +
         updates_size(p.state);
}

size_t swim_cluster::add_slot() {
  size_t i = slots_.size();
  slot s;
  s.addr = endpoint{"10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250), 7946};
  by_addr_[s.addr] = i;
  slots_.push_back(std::move(s));
  return i;
}

void swim_cluster::start(size_t i, const std::vector<size_t>& seeds) {
  slot& s = slots_[i];
  // Start time in ms: a restart gets a later one, as a real process would.
  uint64_t start_ms =
      1'000'000 +
      std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count();
  if (s.node && s.node->self().incarnation >= start_ms) start_ms = s.node->self().incarnation + 1;
  node_id id{s.addr.host, s.addr.port, start_ms};
  uint64_t node_seed = seed_ * 1'000'003 + i * 7919 + start_ms;
  s.node = std::make_unique<swim>(id, cfg_, node_seed, now_);
  s.running = true;
  net_.restart(s.addr);
  std::vector<endpoint> seed_addrs;
  for (size_t j : seeds) seed_addrs.push_back(slots_[j].addr);
  route(i, s.node->join(seed_addrs, now_));
}

void swim_cluster::start_all(size_t n, duration stagger) {
  while (slots_.size() < n) add_slot();
  for (size_t i = 0; i < n; ++i) {
    start(i, {0, 1, 2});
    run_for(stagger);
  }
}

void swim_cluster::crash(size_t i) {
  slots_[i].running = false;
  net_.crash(slots_[i].addr);
}

void swim_cluster::leave(size_t i) {
  route(i, slots_[i].node->leave(now_));
}

void swim_cluster::stop(size_t i) {
  crash(i);
}

void swim_cluster::route(size_t i, membership::effects fx) {
  slot& s = slots_[i];
  for (auto& o : fx.send) {
    // Invariant: the packet size bound holds for every packet on the wire.
    EXPECT_LE(o.pkt.updates.size(), cfg_.max_piggyback);
    if (on_send) on_send(now_, i, o);
    ++sent_.packets;
    sent_.updates += o.pkt.updates.size();
    sent_.bytes += encoded_size(o.pkt);
    net_.send(s.addr, o.to, std::move(o.pkt), now_);
  }
  for (auto& e : fx.events) log_.push_back(logged_event{now_, i, std::move(e)});
  s.wake = std::max(s.node->next_tick(), now_ + std::chrono::microseconds(1));
}

void swim_cluster::run_until(time_point end) {
  for (;;) {
    time_point t = end;
    for (const auto& s : slots_)
      if (s.running) t = std::min(t, s.wake);
    t = net_.next_due(t);
    now_ = std::max(now_, t);
    for (auto& env : net_.deliver_due(now_)) {
      size_t i = by_addr_.at(env.to);
      if (slots_[i].running) route(i, slots_[i].node->on_packet(env.from, env.msg, now_));
    }
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].running && slots_[i].wake <= now_) route(i, slots_[i].node->on_tick(now_));
    if (t >= end) return;
  }
}

std::vector<size_t> swim_cluster::running_slots() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].running) out.push_back(i);
  return out;
}

bool swim_cluster::converged() const {
  return describe_divergence().empty();
}

std::string swim_cluster::describe_divergence() const {
  std::set<node_id> expected;
  for (const auto& s : slots_)
    if (s.running && !s.node->leaving()) expected.insert(s.node->self());
  for (const auto& s : slots_) {
    if (!s.running || s.node->leaving()) continue;
    std::set<node_id> seen;
    for (const auto& m : s.node->members())
      if (m.state == member_state::alive) seen.insert(m.id);
    if (seen == expected) continue;
    std::string out = s.node->self().to_string() + " sees " + std::to_string(seen.size()) +
                      " alive, expected " + std::to_string(expected.size()) + ";";
    auto members = s.node->members();
    for (const auto& m : members) {
      bool want = expected.count(m.id) > 0;
      if (want != (m.state == member_state::alive))
        out += " " + m.id.to_string() + "=" + membership::to_string(m.state) + "/inc" +
               std::to_string(m.incarnation);
    }
    for (const auto& id : expected)
      if (!seen.count(id) &&
          std::none_of(members.begin(), members.end(), [&](const auto& m) { return m.id == id; }))
        out += " missing " + id.to_string();
    return out;
  }
  return {};
}

std::map<size_t, time_point> swim_cluster::first_events(event_kind kind, const node_id& id,
                                                        time_point after) const {
  std::map<size_t, time_point> out;
  for (const auto& e : log_)
    if (e.at >= after && e.ev.kind == kind && e.ev.id == id) out.emplace(e.observer, e.at);
  return out;
}

std::vector<std::string> swim_cluster::log_lines() const {
  std::vector<std::string> out;
  for (const auto& e : log_) {
    std::ostringstream os;
    os << std::chrono::duration_cast<std::chrono::microseconds>(e.at.time_since_epoch()).count()
       << "us n" << e.observer << " " << membership::to_string(e.ev.kind) << " "
       << e.ev.id.to_string() << " inc=" << e.ev.incarnation;
    out.push_back(os.str());
  }
  return out;
}

}  // namespace dfs::sim
