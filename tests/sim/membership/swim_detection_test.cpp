// Failure detection bounds and false positives under loss (issue 3, item 2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <utility>

#include "sim/membership/swim_cluster.hpp"

namespace dfs::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

net_options loopback(double loss = 0.0) {
  net_options o;
  o.loss = loss;
  o.min_delay = std::chrono::microseconds(100);
  o.max_delay = std::chrono::microseconds(1000);
  return o;
}

struct samples {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  double median() const {
    auto s = v;
    std::sort(s.begin(), s.end());
    return s.empty() ? 0 : s[s.size() / 2];
  }
  double max() const { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }
};

// The first events about `id` after t0, for failure messages.
std::string timeline(const swim_cluster& c, const node_id& id, time_point t0) {
  std::string out;
  size_t n = 0;
  for (const auto& e : c.log()) {
    if (e.at < t0 || e.ev.id != id || n++ >= 12) continue;
    char buf[128];
    std::snprintf(buf, sizeof buf, "\n  +%.3fs n%zu %s inc=%llu", sim::seconds(e.at - t0),
                  e.observer, membership::to_string(e.ev.kind),
                  static_cast<unsigned long long>(e.ev.incarnation));
    out += buf;
  }
  return out;
}

// Every crash is declared dead by one member within 2 s and by all live members within 3 s.
void detection_bounds(size_t n, size_t crashes_per_seed) {
  samples first_suspect, first_down, all_down;
  for (uint64_t seed : sweep_seeds(4, 100 + n)) {
    SCOPED_TRACE("seed=" + std::to_string(seed) + " n=" + std::to_string(n));
    swim_cluster c(seed, loopback());
    c.start_all(n, milliseconds(20));
    ASSERT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }))
        << c.describe_divergence();
    std::mt19937_64 rng(seed);
    std::set<node_id> crashed;
    for (size_t r = 0; r < crashes_per_seed; ++r) {
      c.run_for(milliseconds(std::uniform_int_distribution<int>(0, 999)(rng)));
      auto live = c.running_slots();
      size_t victim = live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(rng)];
      node_id vid = c.id(victim);
      time_point t0 = c.now();
      c.crash(victim);
      if (std::getenv("SWIM_TRACE"))
        c.on_send = [&](time_point at, size_t from, const membership::outbound& o) {
          if (o.to == vid.address() && at - t0 < seconds(3))
            std::printf("  +%.3f n%zu -> victim %s\n", sim::seconds(at - t0), from,
                        membership::to_string(o.pkt.kind));
        };
      crashed.insert(vid);
      c.run_for(seconds(6));
      auto downs = c.first_events(event_kind::member_down, vid, t0);
      auto sus = c.first_events(event_kind::member_suspect, vid, t0);
      time_point first = c.now(), last = t0;
      for (size_t i : c.running_slots()) {
        ASSERT_TRUE(downs.count(i)) << c.id(i).to_string() << " never saw " << vid.to_string();
        first = std::min(first, downs[i]);
        last = std::max(last, downs[i]);
      }
      time_point fs = c.now();
      for (auto& [i, t] : sus) fs = std::min(fs, t);
      first_suspect.add(sim::seconds(fs - t0));
      first_down.add(sim::seconds(first - t0));
      all_down.add(sim::seconds(last - t0));
      EXPECT_LE(first - t0, milliseconds(2000))
          << "victim " << vid.to_string() << timeline(c, vid, t0);
      EXPECT_LE(last - t0, milliseconds(3000))
          << "victim " << vid.to_string() << timeline(c, vid, t0);
    }
    // Nobody else was ever declared dead.
    for (const auto& e : c.log())
      if (e.ev.kind == event_kind::member_down) {
        EXPECT_TRUE(crashed.count(e.ev.id)) << "false death of " << e.ev.id.to_string();
      }
  }
  std::printf(
      "[swim] n=%zu crashes=%zu first_suspect median %.2fs max %.2fs | first_down median %.2fs "
      "max %.2fs | all_down median %.2fs max %.2fs\n",
      n, first_down.v.size(), first_suspect.median(), first_suspect.max(), first_down.median(),
      first_down.max(), all_down.median(), all_down.max());
}

TEST(SwimDetection, CrashDetectedWithinBoundsN10) {
  detection_bounds(10, 4);
}
TEST(SwimDetection, CrashDetectedWithinBoundsN32) {
  detection_bounds(32, 5);
}

struct fp_result {
  // downs: member_down events over every member's log (one false death heard by 20 members is
  // 20); deaths: distinct (member, incarnation) declared dead, each false death once.
  size_t suspects = 0, downs = 0, deaths = 0, refutations = 0, raised = 0;
  double packets_per_s_per_node = 0, updates_per_packet = 0, bytes_per_s_per_node = 0;
};

// Long run with every member alive: count suspicions and deaths of live members.
fp_result false_positives(uint64_t seed, size_t n, double loss, duration run) {
  swim_cluster c(seed, loopback());
  c.start_all(n, milliseconds(20));
  EXPECT_TRUE(c.run_until_pred(seconds(10), [&] { return c.converged(); }));
  c.run_for(seconds(15));  // let join gossip and the first push-pulls settle
  size_t log_start = c.log().size();
  c.net().options().loss = loss;
  c.reset_traffic();
  uint64_t refutes0 = 0, raised0 = 0;
  for (size_t i = 0; i < n; ++i) {
    refutes0 += c.node(i).counters().refutations;
    raised0 += c.node(i).counters().suspects_raised;
  }
  c.run_for(run);
  fp_result r;
  std::set<std::pair<std::string, uint64_t>> dead;
  for (size_t k = log_start; k < c.log().size(); ++k) {
    auto& ev = c.log()[k].ev;
    r.suspects += ev.kind == event_kind::member_suspect;
    if (ev.kind == event_kind::member_down) {
      ++r.downs;
      dead.insert({ev.id.to_string(), ev.incarnation});
    }
  }
  r.deaths = dead.size();
  for (size_t i = 0; i < n; ++i) {
    r.refutations += c.node(i).counters().refutations;
    r.raised += c.node(i).counters().suspects_raised;
  }
  r.refutations -= refutes0;
  r.raised -= raised0;
  auto t = c.sent();
  double secs = sim::seconds(run);
  r.packets_per_s_per_node = double(t.packets) / secs / double(n);
  r.bytes_per_s_per_node = double(t.bytes) / secs / double(n);
  r.updates_per_packet = t.packets ? double(t.updates) / double(t.packets) : 0;
  EXPECT_TRUE(c.run_until_pred(seconds(20), [&] {
    c.net().options().loss = 0;
    return c.converged();
  })) << c.describe_divergence();
  return r;
}

void print_fp(const char* what, size_t n, double loss, duration run, const fp_result& r) {
  std::printf(
      "[swim] %s n=%zu loss=%.0f%% over %.0fs: failed probes %zu, suspect events %zu, "
      "down events %zu (deaths %zu), refutations %zu | %.1f packets/s/node, %.0f bytes/s/node, "
      "%.2f updates/packet\n",
      what, n, loss * 100, sim::seconds(run), r.raised, r.suspects, r.downs, r.deaths,
      r.refutations, r.packets_per_s_per_node, r.bytes_per_s_per_node, r.updates_per_packet);
}

TEST(SwimFalsePositives, SteadyStateTraffic) {
  for (uint64_t seed : sweep_seeds(1, 200)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    auto r = false_positives(seed, 32, 0.0, seconds(60));
    print_fp("steady", 32, 0.0, seconds(60), r);
    EXPECT_EQ(r.suspects, 0u);
    EXPECT_EQ(r.downs, 0u);
    // Measured: 13.5 packets/s/node, ~980 bytes/s/node, no piggybacked updates once settled.
    // The bounds leave 2x room and fail if probing stops or if idle gossip grows.
    EXPECT_GT(r.packets_per_s_per_node, 2.0) << "members stopped probing";
    EXPECT_LT(r.packets_per_s_per_node, 27.0);
    EXPECT_LT(r.bytes_per_s_per_node, 2000.0);
    EXPECT_LT(r.updates_per_packet, 0.05) << "settled members keep gossiping old news";
  }
}

TEST(SwimFalsePositives, NoDeathsAtTenPercentLoss) {
  for (uint64_t seed : sweep_seeds(1, 300)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    auto r = false_positives(seed, 32, 0.10, seconds(600));
    print_fp("loss", 32, 0.10, seconds(600), r);
    EXPECT_EQ(r.downs, 0u);
    // The loss reached the probes (measured over seeds 300-303: 171-206 failed probes, each
    // refuted): without these a cluster that never lost a packet would pass too.
    EXPECT_GT(r.raised, 50u) << "10% loss should make some probes fail";
    EXPECT_GE(r.refutations * 2, r.raised) << "suspected members should refute";
  }
}

TEST(SwimFalsePositives, FewFalseDeathsAtThirtyPercentLoss) {
  // Counted as distinct (member, incarnation) deaths: each member's log has its own
  // member_down event, so one false death that reached the whole group is ~31 events. An
  // earlier bound of 25 on events failed seeds 4000428 and 4000530 (4 and 3 deaths) and 6 of
  // 200 seeds from 5000401. Measured over seeds 5000401-5000600: 0-8 deaths in 600 s of 32
  // nodes (mean 2.5; 8 in 3 seeds), ~14,600 failed probes, ~12,500 refutations. The bounds
  // fail if suspicion timeouts or refutation break (hundreds of deaths) or if loss stops
  // causing suspicions.
  for (uint64_t seed : sweep_seeds(1, 400)) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    auto r = false_positives(seed, 32, 0.30, seconds(600));
    print_fp("loss", 32, 0.30, seconds(600), r);
    EXPECT_LE(r.deaths, 12u);
    EXPECT_GT(r.raised, 1000u) << "30% loss should make probes fail";
    EXPECT_GT(r.refutations, r.raised / 2) << "suspected members should refute";
  }
}

}  // namespace
}  // namespace dfs::sim
