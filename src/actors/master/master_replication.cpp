#include "actors/master/master_replication.hpp"

#include <functional>
#include <random>

#include "common/wall_clock.hpp"

namespace dfs {

namespace {

replog::node_config node_config_of(const config& cfg, const endpoint& self) {
  replog::node_config c;
  c.self = self;
  c.masters = cfg.master_endpoints();
  c.seed = std::random_device{}() ^ std::hash<std::string>{}(self.to_string());
  c.heartbeat_ms = std::chrono::milliseconds(cfg.master.replication_heartbeat_ms);
  c.election_timeout_ms = std::chrono::milliseconds(cfg.master.election_timeout_ms);
  return c;
}

}  // namespace

master_replication::master_replication(const config& cfg, master::master_options opts,
                                       std::string dir, send_fn send, fatal_fn fatal,
                                       core::time_point now)
    : self_{cfg.node.host, cfg.control_port()},
      meta_(opts),
      disk_(dir),
      send_(std::move(send)),
      fatal_(std::move(fatal)) {
  auto masters = cfg.master_endpoints();
  if (std::find(masters.begin(), masters.end(), self_) == masters.end())
    fatal_("this master (" + self_.to_string() +
           ", node.host:node.port) is not listed in cluster.masters");
  replog_recovery rec;
  if (auto s = disk_.recover(rec); !s)
    fatal_("replicated log unusable dir=" + dir + " error=\"" + s.message + "\"");
  notes_ = rec.warnings;
  if (!rec.exists) {
    // A new disk: written before the node runs, so that a crash right after still finds it.
    rec.state = replog::fresh_disk(masters, cfg.master.bootstrap, wall_clock_ms());
    if (auto s = disk_.create(rec.state); !s)
      fatal_("cannot create the replicated log dir=" + dir + " error=\"" + s.message + "\"");
    notes_.push_back(cfg.master.bootstrap
                         ? "new disk: genesis voter (master.bootstrap)"
                         : "new disk: learner until the active master readmits it, incarnation " +
                               std::to_string(rec.state.hard.incarnation));
  }
  node_ = std::make_unique<replog::node>(node_config_of(cfg, self_), meta_, rec.state, now);
  if (!node_->restored_ok())
    fatal_("the replicated log's snapshot does not restore (dir=" + dir + ")");
}

void master_replication::carry_out(replog::effects fx, core::time_point now,
                                   std::vector<replog::applied_entry>& applied) {
  if (fx.hard)
    if (auto s = disk_.write_hard(*fx.hard); !s)
      fatal_("replog_hard_state_write_failed: " + s.message);
  if (fx.snapshot)
    if (auto s = disk_.write_snapshot(*fx.snapshot); !s)
      fatal_("replog_snapshot_write_failed: " + s.message);
  std::optional<uint64_t> persisted;
  if (fx.log) {
    if (auto s = disk_.append(*fx.log); !s) fatal_("replog_append_failed: " + s.message);
    persisted = fx.log->id;
  }
  for (auto& o : fx.send) send_(o.to, o.msg);
  for (auto& a : fx.applied) applied.push_back(std::move(a));
  if (persisted) carry_out(node_->on_persisted(*persisted, now), now, applied);
}

std::vector<replog::applied_entry> master_replication::on_message(const endpoint& from,
                                                                  const replog::message& m,
                                                                  core::time_point now) {
  std::vector<replog::applied_entry> applied;
  carry_out(node_->on_message(from, m, now), now, applied);
  return applied;
}

std::vector<replog::applied_entry> master_replication::on_tick(core::time_point now) {
  std::vector<replog::applied_entry> applied;
  carry_out(node_->on_tick(now), now, applied);
  return applied;
}

master_replication::proposed master_replication::propose(std::string data, core::time_point now) {
  auto p = node_->propose(std::move(data), now);
  proposed out;
  out.status = p.status;
  out.index = p.index;
  out.term = p.term;
  carry_out(std::move(p.fx), now, out.applied);
  return out;
}

replog::transfer_result master_replication::transfer(const endpoint& target, core::time_point now) {
  auto r = node_->transfer_leadership(target, now);
  std::vector<replog::applied_entry> applied;  // a transfer appends nothing: none come back
  carry_out(std::move(r.fx), now, applied);
  r.fx = {};
  return r;
}

bool master_replication::ready_to_lead() const {
  if (!node_->is_leader()) return false;
  auto t = node_->term_at(node_->last_applied());
  return t && *t == node_->term();
}

}  // namespace dfs
