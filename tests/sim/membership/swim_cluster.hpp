#pragma once
// Simulation harness for the SWIM protocol: N real dfs::membership::swim instances on one
// sim_network, driven by a virtual clock that jumps to the next event (the earliest next_tick()
// of any running node or the next packet due). Every event is logged with its virtual time and
// observer, so tests can measure detection times and compare whole runs for determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/membership/swim.hpp"
#include "sim/common/sim_network.hpp"

namespace dfs::sim {

using membership::event_kind;
using membership::member_event;
using membership::member_state;
using membership::membership_config;
using membership::packet;
using membership::swim;

struct logged_event {
  time_point at;
  size_t observer;  // slot index of the node that emitted it
  member_event ev;
};

// Rough CAF binary-serialiser size of a packet (varint lengths, fixed-width integers), for the
// bandwidth figures; the real transport adds its header and HMAC.
size_t encoded_size(const packet& p);

inline double seconds(duration d) {
  return std::chrono::duration<double>(d).count();
}

class swim_cluster {
 public:
  swim_cluster(uint64_t seed, net_options opts, membership_config cfg = {})
      : seed_(seed), net_(seed, opts), cfg_(cfg) {}

  // Adds a slot (not started). Address 10.0.<i/250>.<i%250>:7946.
  size_t add_slot();
  // Starts (or restarts, with a later start-time incarnation) slot i and joins through `seeds`.
  void start(size_t i, const std::vector<size_t>& seeds);
  // Starts n slots, one every `stagger`, all joining through slot 0 (then slot 1, 2 as backup).
  void start_all(size_t n, duration stagger);
  void crash(size_t i);
  void leave(size_t i);  // graceful: the node keeps running until it says leave_done()
  void stop(size_t i);   // the process exits (after a leave)

  void run_for(duration d) { run_until(now_ + d); }
  void run_until(time_point end);
  // Runs until pred() holds (checked after every step) or `limit` passes; true if it held.
  template <class Pred>
  bool run_until_pred(duration limit, Pred pred);

  // Every running node sees exactly the running, non-leaving nodes as alive.
  bool converged() const;
  std::string describe_divergence() const;

  time_point now() const { return now_; }
  sim_network<endpoint, packet>& net() { return net_; }
  const std::vector<logged_event>& log() const { return log_; }
  std::vector<std::string> log_lines() const;
  bool running(size_t i) const { return slots_[i].running; }
  swim& node(size_t i) { return *slots_[i].node; }
  const node_id& id(size_t i) const { return slots_[i].node->self(); }
  size_t size() const { return slots_.size(); }
  std::vector<size_t> running_slots() const;

  // First time each observer emitted `kind` about `id` at or after `after`.
  std::map<size_t, time_point> first_events(event_kind kind, const node_id& id,
                                            time_point after) const;

  // Optional observer of every packet a node hands to the network (tracing, debugging).
  std::function<void(time_point, size_t from, const membership::outbound&)> on_send;

  struct traffic {
    uint64_t packets = 0, updates = 0, bytes = 0;
  };
  traffic sent() const { return sent_; }
  void reset_traffic() { sent_ = traffic{}; }

 private:
  struct slot {
    endpoint addr;
    std::unique_ptr<swim> node;
    bool running = false;
    time_point wake;
  };
  void route(size_t i, membership::effects fx);

  uint64_t seed_;
  sim_network<endpoint, packet> net_;
  membership_config cfg_;
  time_point now_{};
  std::vector<slot> slots_;
  std::map<endpoint, size_t> by_addr_;
  std::vector<logged_event> log_;
  traffic sent_;
};

template <class Pred>
bool swim_cluster::run_until_pred(duration limit, Pred pred) {
  time_point end = now_ + limit;
  const duration step = std::chrono::milliseconds(10);
  while (now_ < end) {
    if (pred()) return true;
    run_until(std::min(end, now_ + step));
  }
  return pred();
}

}  // namespace dfs::sim
