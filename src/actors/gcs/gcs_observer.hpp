#pragma once
// What a fileserver's sequencer shows outside (issue 16 items 3, 4): the GCS view and the
// queues for the status page, and Prometheus metrics, copied from gcs::member, the replica and
// the multicast socket on the actor's tick (at most every `publish_interval`), since only the
// actor may read them. The protocol's own counters are read, never changed, here.
//   dfs_gcs_view_epoch, dfs_gcs_view_members, dfs_gcs_primary (0/1), dfs_gcs_delivered_seq
//   dfs_gcs_view_info{view}                       1, labelled with the installed view's id
//                                                 (epoch@coordinator; one series at a time)
//   dfs_gcs_views_installed_total, dfs_gcs_deliveries_total, dfs_gcs_multicasts_total,
//   dfs_gcs_retransmissions_total, dfs_gcs_nacks_total{direction}, dfs_gcs_refused_total
//   dfs_gcs_multicast_bytes_total{direction}      UDP bytes on the multicast port (in, out)
//   dfs_port_bytes_total{port="multicast", direction}   the same bytes, beside the other ports
//   dfs_queue_ops_total{op}                       queue requests this fileserver received
//   dfs_queues, dfs_queue_items                   queues in the replica and their items
#include <memory>
#include <string>

#include "core/ftqueue/replica.hpp"
#include "core/gcs/member.hpp"
#include "net/metrics.hpp"
#include "net/status_board.hpp"
#include "net/udp_endpoint.hpp"

namespace dfs {

class gcs_observer {
 public:
  static constexpr auto publish_interval = std::chrono::milliseconds(500);

  // Either may be null.
  gcs_observer(std::shared_ptr<net::metrics> m, std::shared_ptr<net::status_board> board);

  // A queue request by its ftqueue::op_code (an unknown code counts as "other").
  void count_queue_op(uint8_t code);
  // Copies the state if publish_interval passed since the last copy.
  void on_tick(const gcs::member& member, const ftqueue::replica& app,
               const net::udp_endpoint& socket, core::time_point now);

 private:
  using counter_mark = net::counter_mark;
  void refresh_metrics(const gcs::member& member, const ftqueue::replica& app,
                       const net::udp_endpoint& socket);
  void publish(const gcs::member& member, const ftqueue::replica& app);

  std::shared_ptr<net::metrics> metrics_;
  std::shared_ptr<net::status_board> board_;
  prometheus::Family<prometheus::Counter>* queue_ops_ = nullptr;
  prometheus::Family<prometheus::Gauge>* view_info_ = nullptr;
  prometheus::Gauge* view_series_ = nullptr;  // the current view's series in view_info_
  std::string view_label_;
  prometheus::Gauge *epoch_ = nullptr, *view_members_ = nullptr, *primary_ = nullptr,
                    *delivered_ = nullptr, *queues_ = nullptr, *items_ = nullptr;
  counter_mark views_, deliveries_, multicasts_, retransmissions_, nacks_in_, nacks_out_, refused_,
      bytes_in_, bytes_out_, port_in_, port_out_;
  core::time_point last_{};
};

}  // namespace dfs
