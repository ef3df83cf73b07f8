// The master's console commands: chunkservers, files, chunks REMOTE, under-replicated, repair,
// leases, locks, fsck [PATH], masters [handover [HOST:PORT]].
#include <caf/all.hpp>

#include "actors/master/master_actor.hpp"
#include "common/logging.hpp"
#include "common/principal.hpp"
#include "common/text_table.hpp"

namespace dfs {

namespace {

std::string chunkserver_table(const master_state& st) {
  auto now = core::clock::now();
  const auto& reg = st.core->registry();
  text_table t({"NODE", "DATA", "ZONE", "STATE", "DRAIN", "LAST_HEARTBEAT", "CAPACITY", "FREE",
                "USED", "CHUNKS"},
               {false, false, false, false, false, true, true, true, true, true});
  for (auto& s : reg.list()) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.last_heartbeat);
    auto used = st.core->used_bytes().find(s.id);
    t.add({s.id.to_string(), s.id.host + ":" + std::to_string(s.data_port),
           s.zone.empty() ? "-" : s.zone, registry::to_string(s.state),
           st.core->drained(s.id)    ? "drained"
           : st.core->draining(s.id) ? "draining"
                                     : "-",
           format_age_ms(age.count()), format_bytes(s.capacity_bytes), format_bytes(s.free_bytes),
           format_bytes(used == st.core->used_bytes().end() ? 0 : used->second),
           std::to_string(st.core->meta().chunks().chunks_on(s.id))});
  }
  return t.render() + std::to_string(reg.count(registry::health::healthy)) + " healthy, " +
         std::to_string(reg.count(registry::health::unhealthy)) + " unhealthy, " +
         std::to_string(reg.count(registry::health::removed)) + " removed\n";
}

std::string files_text(const master_state& st) {
  return "files " + std::to_string(st.core->meta().file_count()) + ", bytes " +
         std::to_string(st.core->meta().total_file_bytes()) + " (" +
         format_bytes(st.core->meta().total_file_bytes()) + ", newest versions), chunks " +
         std::to_string(st.core->meta().chunks().chunks().size()) + ", inline " +
         format_bytes(st.core->meta().inline_bytes()) + "\n";
}

admin_reply chunks_text(const master_state& st, const std::vector<std::string>& args) {
  if (args.size() < 2) return {1, "usage: chunks REMOTE [VERSION]"};
  uint64_t version = 0;
  if (args.size() > 2) version = std::strtoull(args[2].c_str(), nullptr, 10);
  auto l = st.core->meta().layout(args[1], version);
  if (!l) return {1, l.err().message};
  auto servers = st.core->registry().list();
  text_table t({"INDEX", "HANDLE", "VERSION", "SIZE", "REPLICAS", "WHERE"},
               {true, false, true, true, true, false});
  uint32_t i = 0;
  for (auto& c : l->chunks) {
    std::string where;
    for (auto& n : c.replicas) {
      std::string state = "unknown";
      for (auto& s : servers)
        if (s.id == n) state = registry::to_string(s.state);
      where += (where.empty() ? "" : " ") + n.to_string() + "(" + state + ")";
    }
    t.add({std::to_string(i++), c.meta.handle.to_string(), std::to_string(c.meta.chunk_version),
           std::to_string(c.meta.size_bytes), std::to_string(c.replicas.size()),
           where.empty() ? "-" : where});
  }
  return {0, l->path + " version " + std::to_string(l->version.number) + ", " +
                 std::to_string(l->version.size_bytes) + " bytes\n" + t.render()};
}

std::string under_replicated_text(const master_state& st) {
  auto v = st.core->meta().under_replicated();
  text_table t({"HANDLE", "REPLICAS"}, {false, true});
  for (auto& e : v) t.add({e.handle.to_string(), std::to_string(e.replica_count)});
  return t.render() + std::to_string(v.size()) + " chunks under-replicated (target " +
         std::to_string(st.cfg.quorum.replication) + " replicas)\n";
}

std::string repair_text(const master_state& st) {
  // The repair actor's figures as of its last answer (at most a repair interval old).
  const auto& r = st.core->repair();
  const auto& s = r.stats;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", r.bytes_per_s / (1 << 20));
  return "queued " + std::to_string(s.queued) +
         " (missing, no replica to copy from: " + std::to_string(s.missing) + ")\nin flight " +
         std::to_string(st.core->copies_in_flight()) + " (waiting for their target's heartbeat: " +
         std::to_string(st.core->repair_orders_unsent()) + ")\ndone " + std::to_string(s.done) +
         ", failed " + std::to_string(s.failed) + ", copied " + format_bytes(s.bytes_done) +
         "\nrate " + rate +
         " MiB/s (last 10 s); throttles: " + std::to_string(r.options.max_copies_per_server) +
         " copies per server, " + std::to_string(r.options.max_bytes_per_s >> 20) +
         " MiB/s\nhot chunks " + std::to_string(st.core->hot().size()) + " (target " +
         std::to_string(st.cfg.replicator.max_replicas) + " replicas)\n";
}

// fsck [PATH]: per file, chunks by live replica count; findings (exit 1) when any is missing.
admin_reply fsck_text(const master_state& st, const std::vector<std::string>& args) {
  auto r = st.core->meta().fsck(args.size() > 1 ? args[1] : "/");
  if (!r) return {1, r.err().message};
  text_table t({"PATH", "CHUNKS", "HEALTHY", "UNDER", "MISSING", "STATE"},
               {false, true, true, true, true, false});
  uint64_t healthy = 0, under = 0, missing = 0;
  for (auto& f : *r) {
    const char* state = f.missing ? "missing" : f.under ? "under-replicated" : "healthy";
    (f.missing ? missing : f.under ? under : healthy)++;
    t.add({f.path, std::to_string(f.chunks), std::to_string(f.healthy), std::to_string(f.under),
           std::to_string(f.missing), state});
  }
  auto text = t.render() + std::to_string(r->size()) + " files: " + std::to_string(healthy) +
              " healthy, " + std::to_string(under) + " under-replicated, " +
              std::to_string(missing) + " with missing chunks (target " +
              std::to_string(st.cfg.quorum.replication) + " replicas)\n";
  return {missing ? admin_status_findings : 0, text};
}

// drain|undrain HOST:PORT (the chunkserver's control address): logged, answered once durable.
caf::result<admin_reply> drain_text(master_self self, const std::vector<std::string>& args) {
  bool on = args[0] == "drain";
  if (args.size() != 2) return admin_reply{1, "usage: " + args[0] + " HOST:PORT"};
  auto addr = endpoint::parse(args[1]);
  if (!addr) return admin_reply{1, args[0] + ": expected HOST:PORT, got '" + args[1] + "'"};
  log::get("master")->info("chunkserver_{} addr={}", on ? "draining" : "undrained",
                           addr->to_string());
  return master_drain(self, *addr, on,
                      on ? "draining " + addr->to_string() +
                               ": no new chunks; its replicas are being copied elsewhere "
                               "('chunkservers' shows drained when done)\n"
                         : "undrained " + addr->to_string() + "\n");
}

// leases: every lease the master knows (volatile: a restarted master starts with none).
std::string leases_text(const master_state& st) {
  auto now = core::clock::now();
  const auto& table = st.core->leases();
  text_table t({"CHUNK", "PRIMARY", "VERSION", "STATE", "EXPIRES_MS", "SECONDARIES"},
               {false, false, true, false, true, false});
  auto ms = [](core::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  for (auto& [h, l] : table.all()) {
    bool timed = l.phase == master::lease_phase::active || l.phase == master::lease_phase::fenced;
    std::string secondaries;
    for (auto& n : l.secondaries) secondaries += (secondaries.empty() ? "" : " ") + n.to_string();
    t.add({l.handle.to_string(), l.primary.to_string(), std::to_string(l.chunk_version),
           master::to_string(l.phase) + std::string(l.acked ? "" : " (unconfirmed)"),
           timed ? std::to_string(ms(l.expiry - now)) : "-",
           secondaries.empty() ? "-" : secondaries});
  }
  std::string text = t.render() + std::to_string(table.all().size()) + " leases (duration " +
                     std::to_string(st.cfg.lease.duration_ms) + " ms, margin " +
                     std::to_string(ms(table.options().margin())) + " ms)\n";
  if (now < table.quiet_until())
    text += "restart wait-out: no grants for another " +
            std::to_string(ms(table.quiet_until() - now)) + " ms\n";
  return text;
}

// locks: file locks held or waited for (soft state: a new active master starts with none).
std::string locks_text(const master_state& st) {
  auto now = core::clock::now();
  const auto& table = st.core->locks();
  text_table t({"PATH", "MODE", "HOLDERS", "EXPIRES_MS", "WAITERS"},
               {false, false, false, true, false});
  auto ms = [](core::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  for (auto& [path, e] : table.all()) {
    std::string holders, expires, waiters;
    for (auto& h : e.holders) {
      holders += (holders.empty() ? "" : ", ") + h.owner;
      expires += (expires.empty() ? "" : ",") + std::to_string(ms(h.expires - now));
    }
    for (auto& w : e.waiters)
      waiters += (waiters.empty() ? "" : ", ") + w.owner + " (" + to_string(w.mode) + ")";
    t.add({path, e.holders.empty() ? "-" : to_string(e.mode), holders.empty() ? "-" : holders,
           expires.empty() ? "-" : expires, waiters.empty() ? "-" : waiters});
  }
  return t.render() + std::to_string(table.all().size()) + " locked paths (max ttl " +
         std::to_string(st.cfg.lock.max_ttl_ms) + " ms; not kept across a master change)\n";
}

// The commands answered at once, from the master's state.
admin_reply query(const master_state& st, const admin_request& req) {
  const auto& cmd = req.args.at(0);
  if (cmd == "chunkservers") return {0, chunkserver_table(st)};
  if (cmd == "files") return {0, files_text(st)};
  if (cmd == "chunks") return chunks_text(st, req.args);
  if (cmd == "under-replicated") return {0, under_replicated_text(st)};
  if (cmd == "repair") return {0, repair_text(st)};
  if (cmd == "leases") return {0, leases_text(st)};
  if (cmd == "locks") return {0, locks_text(st)};
  if (cmd == "fsck") return fsck_text(st, req.args);
  return {1, "the master does not know the command '" + cmd + "'"};
}

}  // namespace

caf::result<admin_reply> master_console(master_self self, const admin_request& req) {
  const auto& cmd = req.args.at(0);
  if (cmd == "masters" && req.args.size() > 1 && req.args[1] == "handover") {
    // The command itself is read-only for the console's table; its handover changes state.
    if (req.caller_kind != static_cast<uint8_t>(principal_kind::admin))
      return admin_reply{1,
                         "permission denied: 'masters handover' changes the active master and "
                         "needs an admin certificate\n"};
    return masters_handover(self, req.args);
  }
  if (cmd == "masters") return admin_reply{0, masters_text(self->state)};
  if (!self->state.core)  // a standby's core starts when it becomes active
    return admin_reply{1, "'" + cmd + "': " + not_leader_line(self->state) + "\n"};
  if (cmd == "drain" || cmd == "undrain") return drain_text(self, req.args);
  return query(self->state, req);
}

}  // namespace dfs
