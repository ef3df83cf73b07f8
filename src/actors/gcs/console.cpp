// Console commands of a fileserver's sequencer: view, queues, gcs-stats, fault.
#include <chrono>
#include <cstdio>
#include <thread>

#include "actors/gcs/sequencer.hpp"
#include "actors/gcs/sequencer_inline.hpp"
#include "common/parse_decimal.hpp"
#include "common/ports.hpp"
#include "common/text_table.hpp"
#include "net/fault_injection.hpp"

namespace dfs {

namespace {

std::string num(uint64_t v) {
  return std::to_string(v);
}

std::string view_text(const sequencer_state& st) {
  auto& m = *st.member;
  auto& v = m.view();
  text_table t({"FIELD", "VALUE"});
  t.add({"self", st.self.to_string()});
  t.add({"view", v.id.empty() ? "-" : v.id.to_string()});
  t.add({"state", gcs::to_string(m.state())});
  t.add({"primary", m.is_primary() ? "yes" : "no"});
  t.add({"rank", m.rank() < 0 ? "-" : std::to_string(m.rank())});
  t.add({"base", num(v.base)});
  t.add({"delivered", num(m.delivered_upto())});
  t.add({"majority_stable", num(m.majority_stable_upto())});
  t.add({"stable", num(m.stable_upto())});
  t.add({"durability", st.disk ? "disk" : "memory"});
  if (st.disk) {
    t.add({"synced", num(m.synced_upto())});
    // Spare: beyond the majority, it syncs gcs.spare_sync_us late (gcs::member::disk_spare).
    t.add({"disk_spare", m.disk_spare() ? "yes" : "no"});
  }
  t.add({"pending", num(m.pending_count())});
  t.add({"waiting_clients", num(st.waiting.size())});
  t.add({"last_primary", m.last_primary().id.empty() ? "-" : m.last_primary().id.to_string()});
  std::string out = t.render() + "\n";
  text_table mt({"RANK", "MEMBER", "MULTICAST"}, {true, false, false});
  for (size_t i = 0; i < v.members.size(); ++i) {
    auto& id = v.members[i];
    mt.add({std::to_string(i), id.to_string(),
            id.host + ":" + std::to_string(multicast_port_of(id.port))});
  }
  return out + mt.render();
}

std::string queues_text(const sequencer_state& st) {
  text_table t({"ID", "LABEL", "SIZE"}, {true, true, true});
  for (auto& q : st.app->state().queues())
    t.add({std::to_string(q.id), std::to_string(q.label), std::to_string(q.size)});
  return t.render() + "applied " + num(st.app->applied()) + " operations, delivered up to " +
         num(st.member->delivered_upto()) + "\n";
}

std::string stats_text(const sequencer_state& st) {
  auto& c = st.member->counters();
  auto& rx = st.rx->counters();
  auto& tx = st.socket->counters();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", st.deliveries_per_s);
  text_table t({"COUNTER", "VALUE"}, {false, true});
  t.add({"multicast", num(c.multicast)});
  t.add({"orders_assigned", num(c.orders_assigned)});
  t.add({"nacks_sent", num(c.nacks_sent)});
  t.add({"nacks_received", num(c.nacks_received)});
  t.add({"retransmissions", num(c.retransmissions)});
  t.add({"deliveries", num(c.deliveries)});
  t.add({"deliveries_per_s", rate});
  t.add({"views_installed", num(c.views_installed)});
  t.add({"state_transfers", num(c.state_transfers)});
  t.add({"state_snapshots", num(c.state_snapshots)});
  t.add({"refused", num(c.refused)});
  t.add({"clients_remembered", num(st.app->clients())});
  t.add({"dropped_packets", num(c.dropped_packets)});
  if (st.disk) {
    t.add({"disk_syncs", num(st.disk->syncs())});
    t.add({"disk_sync_us", num(st.disk->sync_us())});
    t.add({"disk_stalls", num(st.disk->stalls())});
    t.add({"disk_images", num(st.disk->images_written())});
    t.add({"disk_view_records", num(st.disk->records_written())});
  }
  t.add({"datagrams_sent", num(st.datagrams_sent)});
  t.add({"datagrams_received", num(rx.datagrams)});
  // Of those, handled on the socket's thread between the actor's messages (sequencer_inline).
  t.add({"datagrams_inline", num(st.fast ? st.fast->handled() : 0)});
  // Client operations the request port's threads submitted themselves (sequencer_inline).
  t.add({"ops_inline", num(st.fast ? st.fast->submitted() : 0)});
  t.add({"bytes_sent", format_bytes(tx.bytes_sent)});
  t.add({"bytes_received", format_bytes(tx.bytes_received)});
  t.add({"bad_frames", num(rx.bad_frame)});
  t.add({"bad_payloads", num(rx.bad_payload)});
  t.add({"fragments_received", num(rx.fragments)});
  t.add({"packets_reassembled", num(rx.reassembled)});
  t.add({"fragments_asked", num(rx.fragments_asked)});    // of peers, one per fragment come
  t.add({"fragments_served", num(rx.fragments_served)});  // to peers that asked
  t.add({"packets_sent", num(st.packets_sent)});
  t.add({"bundles_received", num(rx.bundles)});
  t.add({"packets_too_large", num(st.packets_too_large)});
  t.add({"fault_dropped", num(net::fault_dropped())});
  return t.render();
}

// fault | fault clear | fault loss PCT | fault block PORT[,PORT...] | fault stall MS
admin_reply fault_command(const std::vector<std::string>& args) {
  const char* usage =
      "usage: fault [clear | loss PERCENT | block PORT[,PORT...] | stall MILLISECONDS (1-10000)]";
  auto f = net::faults();
  if (args.size() == 3 && args[1] == "stall") {
    // Holds the sequencer's thread as a synchronous write of a large queue image does: what
    // else shares the node's scheduler must not depend on it (tests: gossip pings go on).
    auto ms = parse_decimal<uint32_t>(args[2]);
    if (!ms || *ms == 0 || *ms > 10000) return {1, usage};
    std::this_thread::sleep_for(std::chrono::milliseconds(*ms));
    return {0, "stalled " + num(*ms) + " ms\n"};
  }
  if (args.size() == 2 && args[1] == "clear") {
    f = {};
  } else if (args.size() == 3 && args[1] == "loss") {
    auto pct = parse_decimal<uint32_t>(args[2]);
    if (!pct || *pct > 100) return {1, usage};
    f.loss_percent = *pct;
  } else if (args.size() == 3 && args[1] == "block") {
    f.blocked_ports.clear();
    size_t pos = 0;
    while (pos <= args[2].size()) {
      auto end = args[2].find(',', pos);
      if (end == std::string::npos) end = args[2].size();
      auto port = parse_decimal<uint16_t>(std::string_view(args[2]).substr(pos, end - pos));
      if (!port || *port == 0) return {1, usage};
      f.blocked_ports.insert(*port);
      pos = end + 1;
    }
  } else if (args.size() != 1) {
    return {1, usage};
  }
  if (args.size() > 1) net::set_faults(f);
  return {0, "faults: " + net::describe(f) + " dropped=" + num(net::fault_dropped()) + "\n"};
}

}  // namespace

admin_reply sequencer_console(const sequencer_state& st, const admin_request& req) {
  const auto& cmd = req.args.at(0);
  if (cmd == "view") return {0, view_text(st)};
  if (cmd == "queues") return {0, queues_text(st)};
  if (cmd == "gcs-stats") return {0, stats_text(st)};
  if (cmd == "fault") return fault_command(req.args);
  return {1, "unknown command '" + cmd + "'"};
}

}  // namespace dfs
