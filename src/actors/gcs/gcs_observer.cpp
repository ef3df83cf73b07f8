#include "actors/gcs/gcs_observer.hpp"

namespace dfs {

namespace {

// Label values from a fixed set, never from the request: clients cannot grow the label set.
const char* op_name(uint8_t code) {
  static const char* names[] = {"other", "create", "destroy", "id", "push", "pop", "top", "size"};
  return code < sizeof(names) / sizeof(names[0]) ? names[code] : "other";
}

}  // namespace

gcs_observer::gcs_observer(std::shared_ptr<net::metrics> m,
                           std::shared_ptr<net::status_board> board)
    : metrics_(std::move(m)), board_(std::move(board)) {
  if (!metrics_) return;
  auto& mt = *metrics_;
  auto gauge = [&](const char* name, const char* help) { return &mt.gauge(name, help).Add({}); };
  auto counter = [&](const char* name, const char* help) {
    return &mt.counter(name, help).Add({});
  };
  queue_ops_ = &mt.counter("dfs_queue_ops_total", "Queue requests this fileserver received, by op");
  epoch_ = gauge("dfs_gcs_view_epoch", "Epoch of the installed GCS view (its id's number)");
  view_info_ = &mt.gauge("dfs_gcs_view_info", "1 for the installed GCS view, labelled by its id");
  view_members_ = gauge("dfs_gcs_view_members", "Members of the installed GCS view");
  primary_ = gauge("dfs_gcs_primary", "1 when this member is in the primary partition");
  delivered_ = gauge("dfs_gcs_delivered_seq", "Global sequence number delivered up to");
  queues_ = gauge("dfs_queues", "Queues in this FTQueue replica");
  items_ = gauge("dfs_queue_items", "Items in all queues of this FTQueue replica");
  views_.counter = counter("dfs_gcs_views_installed_total", "GCS views this member installed");
  deliveries_.counter = counter("dfs_gcs_deliveries_total", "Messages delivered in total order");
  multicasts_.counter = counter("dfs_gcs_multicasts_total", "Messages this member multicast");
  retransmissions_.counter =
      counter("dfs_gcs_retransmissions_total", "Messages or orders resent after a NACK");
  auto& nacks = mt.counter("dfs_gcs_nacks_total", "Negative acknowledgements, by direction");
  nacks_in_.counter = &nacks.Add({{"direction", "in"}});
  nacks_out_.counter = &nacks.Add({{"direction", "out"}});
  refused_.counter = counter("dfs_gcs_refused_total", "Operations refused (not primary, full)");
  auto& bytes = mt.counter("dfs_gcs_multicast_bytes_total",
                           "UDP bytes on the multicast port, by direction (in, out)");
  bytes_in_.counter = &bytes.Add({{"direction", "in"}});
  bytes_out_.counter = &bytes.Add({{"direction", "out"}});
  port_in_.counter = &mt.port_bytes("multicast", "in");
  port_out_.counter = &mt.port_bytes("multicast", "out");
}

void gcs_observer::count_queue_op(uint8_t code) {
  if (queue_ops_) queue_ops_->Add({{"op", op_name(code)}}).Increment();
}

void gcs_observer::on_tick(const gcs::member& member, const ftqueue::replica& app,
                           const net::udp_endpoint& socket, core::time_point now) {
  if (now - last_ < publish_interval) return;
  last_ = now;
  if (metrics_) refresh_metrics(member, app, socket);
  if (board_) publish(member, app);
}

void gcs_observer::refresh_metrics(const gcs::member& member, const ftqueue::replica& app,
                                   const net::udp_endpoint& socket) {
  const auto& v = member.view();
  epoch_->Set(static_cast<double>(v.id.epoch));
  auto label = v.id.empty() ? std::string("none") : v.id.to_string();
  if (label != view_label_) {
    // One series at a time: an old view's id would otherwise stay in every scrape for good.
    if (view_series_) view_info_->Remove(view_series_);
    view_series_ = &view_info_->Add({{"view", label}});
    view_series_->Set(1);
    view_label_ = label;
  }
  view_members_->Set(static_cast<double>(v.members.size()));
  primary_->Set(member.is_primary() ? 1 : 0);
  delivered_->Set(static_cast<double>(member.delivered_upto()));
  uint64_t items = 0;
  auto queues = app.state().queues();
  for (auto& q : queues) items += q.size;
  queues_->Set(static_cast<double>(queues.size()));
  items_->Set(static_cast<double>(items));
  const auto& c = member.counters();
  views_.advance(c.views_installed);
  deliveries_.advance(c.deliveries);
  multicasts_.advance(c.multicast);
  retransmissions_.advance(c.retransmissions);
  nacks_in_.advance(c.nacks_received);
  nacks_out_.advance(c.nacks_sent);
  refused_.advance(c.refused);
  const auto& t = socket.counters();
  bytes_in_.advance(t.bytes_received);
  bytes_out_.advance(t.bytes_sent);
  port_in_.advance(t.bytes_received);
  port_out_.advance(t.bytes_sent);
}

void gcs_observer::publish(const gcs::member& member, const ftqueue::replica& app) {
  status::gcs_section s;
  const auto& v = member.view();
  s.view_id = v.id.empty() ? "" : v.id.to_string();
  s.state = gcs::to_string(member.state());
  s.primary = member.is_primary();
  s.rank = member.rank();
  s.delivered = member.delivered_upto();
  s.stable = member.stable_upto();
  s.pending = member.pending_count();
  s.applied = app.applied();
  for (auto& m : v.members) s.members.push_back(m.to_string());
  auto queues = app.state().queues();
  s.total_queues = queues.size();
  for (auto& q : queues) {
    if (s.queues.size() == status::max_listed_queues) break;
    s.queues.push_back({static_cast<uint64_t>(q.id), std::to_string(q.label), q.size});
  }
  board_->publish(std::move(s));
}

}  // namespace dfs
