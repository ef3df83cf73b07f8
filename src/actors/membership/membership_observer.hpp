#pragma once
// What the membership actor shows outside (issue 16 items 3, 4): its section of the status page
// and its Prometheus metrics, both copied from the SWIM member on the actor's tick (at most
// every `publish_interval`), since only the actor may read the core.
//   dfs_membership_members{state}               gauge: members we know, by state
//   dfs_membership_suspicions_total             our probes failed, we raised a suspicion
//   dfs_membership_refutations_total            we were suspected (falsely: we are up) and refuted
//   dfs_membership_suspicions_refuted_total     a suspected member proved alive (false positive)
//   dfs_membership_deaths_declared_total        our suspicion timer expired
//   dfs_membership_gossip_bytes_total{direction}   UDP bytes on the gossip port (in, out)
//   dfs_membership_gossip_packets_total{direction}
//   dfs_port_bytes_total{port="gossip", direction}   the same bytes, beside the other ports
#include <memory>

#include "core/membership/swim.hpp"
#include "net/metrics.hpp"
#include "net/status_board.hpp"
#include "net/udp_endpoint.hpp"

namespace dfs {

class membership_observer {
 public:
  static constexpr auto publish_interval = std::chrono::milliseconds(500);

  // Either may be null (a node without a registry or a status page).
  membership_observer(std::shared_ptr<net::metrics> m, std::shared_ptr<net::status_board> board);

  // A suspicion of another member was refuted (event member_alive).
  void count_refuted_suspicion();
  // Copies the member's state if publish_interval passed since the last copy.
  void on_tick(const membership::swim& swim, const net::udp_endpoint& socket, core::time_point now);

 private:
  using counter_mark = net::counter_mark;
  std::shared_ptr<net::metrics> metrics_;
  std::shared_ptr<net::status_board> board_;
  prometheus::Family<prometheus::Gauge>* members_ = nullptr;
  prometheus::Counter* refuted_ = nullptr;
  counter_mark suspicions_, refutations_, deaths_, bytes_in_, bytes_out_, packets_in_, packets_out_,
      port_in_, port_out_;
  core::time_point last_{};
};

}  // namespace dfs
