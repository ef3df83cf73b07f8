#include "actors/membership/membership_observer.hpp"

#include <map>

namespace dfs {

membership_observer::membership_observer(std::shared_ptr<net::metrics> m,
                                         std::shared_ptr<net::status_board> board)
    : metrics_(std::move(m)), board_(std::move(board)) {
  if (!metrics_) return;
  auto& mt = *metrics_;
  members_ = &mt.gauge("dfs_membership_members", "Gossip members this node knows, by state");
  suspicions_.counter = &mt.counter("dfs_membership_suspicions_total",
                                    "Suspicions this node raised (a probe went unanswered)")
                             .Add({});
  refutations_.counter =
      &mt.counter("dfs_membership_refutations_total",
                  "Times this node was suspected while up and refuted it (false positives)")
           .Add({});
  refuted_ = &mt.counter("dfs_membership_suspicions_refuted_total",
                         "Suspicions of other members that they refuted (false positives)")
                  .Add({});
  deaths_.counter = &mt.counter("dfs_membership_deaths_declared_total",
                                "Members this node declared dead (suspicion timed out)")
                         .Add({});
  auto& bytes = mt.counter("dfs_membership_gossip_bytes_total",
                           "UDP bytes on the gossip port, by direction (in, out)");
  bytes_in_.counter = &bytes.Add({{"direction", "in"}});
  bytes_out_.counter = &bytes.Add({{"direction", "out"}});
  auto& packets = mt.counter("dfs_membership_gossip_packets_total",
                             "UDP datagrams on the gossip port, by direction (in, out)");
  packets_in_.counter = &packets.Add({{"direction", "in"}});
  packets_out_.counter = &packets.Add({{"direction", "out"}});
  port_in_.counter = &mt.port_bytes("gossip", "in");
  port_out_.counter = &mt.port_bytes("gossip", "out");
}

void membership_observer::count_refuted_suspicion() {
  if (refuted_) refuted_->Increment();
}

void membership_observer::on_tick(const membership::swim& swim, const net::udp_endpoint& socket,
                                  core::time_point now) {
  if (now - last_ < publish_interval) return;
  last_ = now;
  auto members = swim.members();
  const auto& c = swim.counters();
  if (metrics_) {
    std::map<std::string, uint64_t> by_state = {
        {"alive", 0}, {"suspect", 0}, {"dead", 0}, {"left", 0}};
    for (auto& m : members) ++by_state[membership::to_string(m.state)];
    for (auto& [state, n] : by_state) members_->Add({{"state", state}}).Set(static_cast<double>(n));
    suspicions_.advance(c.suspects_raised);
    refutations_.advance(c.refutations);
    deaths_.advance(c.deaths_declared);
    const auto& t = socket.counters();
    bytes_in_.advance(t.bytes_received);
    bytes_out_.advance(t.bytes_sent);
    packets_in_.advance(t.packets_received);
    packets_out_.advance(t.packets_sent);
    port_in_.advance(t.bytes_received);
    port_out_.advance(t.bytes_sent);
  }
  if (board_) {
    status::membership_section s;
    for (auto& m : members) {
      bool self = m.id == swim.self();
      auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - m.last_heard);
      s.members.push_back({m.id.to_string(), membership::to_string(m.state), m.incarnation,
                           self ? -1 : static_cast<int64_t>(age.count()), m.address.to_string(),
                           m.meta});
    }
    s.suspicions = c.suspects_raised;
    s.refutations = c.refutations;
    board_->publish(std::move(s));
  }
}

}  // namespace dfs
