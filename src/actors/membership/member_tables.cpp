#include "actors/membership/member_tables.hpp"

#include <cstdio>

#include "common/text_table.hpp"

namespace dfs {

std::string members_table(const membership::swim& swim, core::time_point now) {
  text_table t({"ID", "STATE", "INCARNATION", "LAST_HEARD", "ADDRESS", "ROLES"},
               {false, false, true, true, false, false});
  size_t alive = 0;
  for (auto& m : swim.members()) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - m.last_heard);
    bool self = m.id == swim.self();
    t.add({m.id.to_string() + (self ? " (self)" : ""), membership::to_string(m.state),
           std::to_string(m.incarnation), self ? "-" : format_age_ms(age.count()),
           m.address.to_string(), m.meta.empty() ? "-" : m.meta});
    alive += m.state == membership::member_state::alive;
  }
  return t.render() + std::to_string(alive) + " alive of " + std::to_string(t.rows()) + " known\n";
}

namespace {

std::string rate(uint64_t n, double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", seconds > 0 ? static_cast<double>(n) / seconds : 0.0);
  return buf;
}

}  // namespace

std::string bandwidth_table(const failure_detector_state& st, core::time_point now) {
  auto& c = st.socket->counters();
  double secs = std::chrono::duration<double>(now - st.reset_at).count();
  uint64_t bs = c.bytes_sent - st.base_bytes_sent, br = c.bytes_received - st.base_bytes_received;
  uint64_t ps = c.packets_sent - st.base_packets_sent,
           pr = c.packets_received - st.base_packets_received;
  text_table t({"DIRECTION", "BYTES", "PACKETS", "BYTES/S", "PACKETS/S"},
               {false, true, true, true, true});
  t.add({"sent", std::to_string(bs), std::to_string(ps), rate(bs, secs), rate(ps, secs)});
  t.add({"received", std::to_string(br), std::to_string(pr), rate(br, secs), rate(pr, secs)});
  char span[64];
  std::snprintf(span, sizeof(span), "%.1f", secs);
  return t.render() + "since last reset: " + span +
         " s; dropped datagrams: " + std::to_string(st.drops->bad_frame.load()) +
         " bad frame/auth, " + std::to_string(st.drops->bad_payload.load()) + " bad payload\n";
}

void reset_bandwidth(failure_detector_state& st, core::time_point now) {
  auto& c = st.socket->counters();
  st.base_bytes_sent = c.bytes_sent;
  st.base_bytes_received = c.bytes_received;
  st.base_packets_sent = c.packets_sent;
  st.base_packets_received = c.packets_received;
  st.reset_at = now;
}

}  // namespace dfs
