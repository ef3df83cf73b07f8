#include "net/fault_injection.hpp"

#include <atomic>
#include <mutex>
#include <random>

namespace dfs::net {

namespace {

struct fault_state {
  std::mutex mu;
  fault_settings settings;
  std::minstd_rand rng{std::random_device{}()};
  std::atomic<bool> armed{false};  // fast path: no lock while nothing is injected
  std::atomic<uint64_t> dropped{0};
};

fault_state& state() {
  static fault_state s;
  return s;
}

}  // namespace

bool fault_drop(const endpoint& from) {
  auto& s = state();
  if (!s.armed.load(std::memory_order_relaxed)) return false;
  std::lock_guard<std::mutex> lock(s.mu);
  bool drop = s.settings.blocked_ports.count(from.port) > 0 ||
              (s.settings.loss_percent > 0 && s.rng() % 100 < s.settings.loss_percent);
  if (drop) ++s.dropped;
  return drop;
}

void set_faults(fault_settings f) {
  auto& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.armed = !f.blocked_ports.empty() || f.loss_percent > 0;
  s.settings = std::move(f);
}

fault_settings faults() {
  auto& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.settings;
}

uint64_t fault_dropped() {
  return state().dropped.load();
}

std::string describe(const fault_settings& f) {
  std::string ports;
  for (auto p : f.blocked_ports) ports += (ports.empty() ? "" : ",") + std::to_string(p);
  return "blocked_ports=[" + ports + "] loss_percent=" + std::to_string(f.loss_percent);
}

}  // namespace dfs::net
