#include "core/master/repair_service.hpp"

namespace dfs::master {

repair_answer repair_service::on_update(const repair_update& u, core::time_point now) {
  for (auto& o : u.outcomes) planner_.on_copy_done(o.order, o.ok, now);
  for (auto& n : u.gone) planner_.on_server_gone(n, now);
  repair_answer a;
  if (u.plan) {
    a.orders = planner_.plan(u.chunks, u.servers, now);
    rate_.emplace_back(now, planner_.stats().bytes_done);
    while (rate_.size() > 11) rate_.pop_front();
    // Moves only when repair has nothing queued: a lost replica matters more than balance.
    if (u.rebalance && planner_.stats().queued == 0) {
      const auto& m = *u.rebalance;
      uint64_t planned = 0;
      for (auto& c : m.candidates) {
        if (planned >= m.bytes || a.moves >= planner_.options().max_copies_per_server) break;
        auto o = planner_.plan_move(c, m.source, m.target, now);
        if (!o) break;  // out of slots or budget: the next plan goes on
        a.orders.push_back(*o);
        planned += c.size_bytes;
        ++a.moves;
      }
    }
  }
  a.progress = progress();
  return a;
}

repair_progress repair_service::progress() const {
  repair_progress p{planner_.stats(), planner_.in_flight(), 0, planner_.options()};
  if (rate_.size() >= 2) {
    auto& [t0, b0] = rate_.front();
    auto& [t1, b1] = rate_.back();
    double s = std::chrono::duration<double>(t1 - t0).count();
    if (s > 0) p.bytes_per_s = static_cast<double>(b1 - b0) / s;
  }
  return p;
}

}  // namespace dfs::master
