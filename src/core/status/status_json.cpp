#include "core/status/status_json.hpp"

#include <cmath>
#include <cstdio>

#include "core/gateway/json.hpp"

namespace dfs::status {

namespace {

using gateway::json_string;

// Builds one JSON object field by field; every string goes through json_string.
class object {
 public:
  object& str(const char* k, const std::string& v) { return raw(k, json_string(v)); }
  object& num(const char* k, uint64_t v) { return raw(k, std::to_string(v)); }
  object& num(const char* k, int64_t v) { return raw(k, std::to_string(v)); }
  object& num(const char* k, int v) { return raw(k, std::to_string(v)); }
  object& real(const char* k, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", std::isfinite(v) ? v : 0.0);
    return raw(k, buf);
  }
  object& flag(const char* k, bool v) { return raw(k, v ? "true" : "false"); }
  object& raw(const char* k, const std::string& v) {
    out_ += (out_.size() > 1 ? "," : "") + json_string(k) + ":" + v;
    return *this;
  }
  std::string done() { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

template <class T, class F>
std::string array(const std::vector<T>& items, F render) {
  std::string out = "[";
  for (auto& i : items) out += (out.size() > 1 ? "," : "") + render(i);
  return out + "]";
}

std::string member_json(const member_row& m) {
  return object()
      .str("id", m.id)
      .str("state", m.state)
      .num("incarnation", m.incarnation)
      .num("last_heard_ms", m.last_heard_ms)
      .str("address", m.address)
      .str("roles", m.roles)
      .done();
}

std::string membership_json(const membership_section& m) {
  if (!m.present) return "null";
  std::string by_state = "{";
  for (auto& [state, n] : members_by_state(m.members))
    by_state += (by_state.size() > 1 ? "," : "") + json_string(state) + ":" + std::to_string(n);
  return object()
      .raw("members", array(m.members, member_json))
      .raw("by_state", by_state + "}")
      .num("suspicions", m.suspicions)
      .num("refutations", m.refutations)
      .done();
}

std::string chunkserver_json(const chunkserver_row& c) {
  return object()
      .str("id", c.id)
      .str("data", c.data)
      .str("zone", c.zone)
      .str("state", c.state)
      .str("drain", c.drain)
      .num("heartbeat_age_ms", c.heartbeat_age_ms)
      .num("capacity_bytes", c.capacity_bytes)
      .num("free_bytes", c.free_bytes)
      .num("used_bytes", c.used_bytes)
      .num("chunks", c.chunks)
      .done();
}

std::string zone_json(const zone_row& z) {
  return object()
      .str("zone", z.zone)
      .num("servers", z.servers)
      .num("healthy", z.healthy)
      .num("capacity_bytes", z.capacity_bytes)
      .num("free_bytes", z.free_bytes)
      .done();
}

std::string master_json(const master_section& m) {
  if (!m.present) return "null";
  auto& r = m.repair;
  auto repair = object()
                    .num("queued", r.queued)
                    .num("missing", r.missing)
                    .num("in_flight", r.in_flight)
                    .num("done", r.done)
                    .num("failed", r.failed)
                    .num("bytes_done", r.bytes_done)
                    .real("bytes_per_s", r.bytes_per_s)
                    .done();
  return object()
      .str("from", m.from)
      .num("files", m.files)
      .num("file_bytes", m.file_bytes)
      .num("chunks", m.chunks)
      .num("under_replicated", m.under_replicated)
      .num("missing", r.missing)
      .num("replication", uint64_t{m.replication})
      .raw("chunkservers", array(m.chunkservers, chunkserver_json))
      .raw("zones", array(zones_of(m.chunkservers), zone_json))
      .raw("repair", repair)
      .done();
}

std::string gcs_json(const gcs_section& g) {
  if (!g.present) return "null";
  auto queue = [](const queue_row& q) {
    return object().num("id", q.id).str("label", q.label).num("size", q.size).done();
  };
  return object()
      .str("view", g.view_id)
      .str("state", g.state)
      .flag("primary", g.primary)
      .num("rank", g.rank)
      .num("delivered", g.delivered)
      .num("stable", g.stable)
      .num("pending", g.pending)
      .num("applied", g.applied)
      .raw("members", array(g.members, [](const std::string& s) { return json_string(s); }))
      .raw("queues", array(g.queues, queue))
      .num("total_queues", g.total_queues)
      .done();
}

}  // namespace

std::string render_json(const snapshot& s) {
  auto node = object()
                  .str("id", s.node.id)
                  .str("roles", s.node.roles)
                  .num("http_port", uint64_t{s.node.http_port})
                  .str("master_url", s.node.master_url)
                  .done();
  return object()
      .raw("node", node)
      .raw("membership", membership_json(s.membership))
      .raw("master", master_json(s.master))
      .raw("gcs", gcs_json(s.gcs))
      .done();
}

}  // namespace dfs::status
