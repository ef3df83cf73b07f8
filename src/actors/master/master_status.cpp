#include "actors/master/master_status.hpp"

#include "actors/master/master_actor.hpp"

namespace dfs {

status::master_section master_status_of(const master_state& st) {
  const auto& mc = *st.core;
  const auto& meta = mc.meta();
  auto now = core::clock::now();
  status::master_section out;
  out.files = meta.file_count();
  out.file_bytes = meta.total_file_bytes();
  out.chunks = meta.chunks().chunks().size();
  out.under_replicated = meta.under_replicated_count();
  out.replication = st.cfg.quorum.replication;
  for (auto& s : mc.registry().list()) {
    status::chunkserver_row r;
    r.id = s.id.to_string();
    r.data = s.id.host + ":" + std::to_string(s.data_port);
    r.zone = s.zone;
    r.state = registry::to_string(s.state);
    r.drain = mc.drained(s.id) ? "drained" : mc.draining(s.id) ? "draining" : "";
    r.heartbeat_age_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - s.last_heartbeat).count();
    r.capacity_bytes = s.capacity_bytes;
    r.free_bytes = s.free_bytes;
    auto used = mc.used_bytes().find(s.id);
    r.used_bytes = used == mc.used_bytes().end() ? 0 : used->second;
    r.chunks = meta.chunks().chunks_on(s.id);
    out.chunkservers.push_back(std::move(r));
  }
  const auto& rep = mc.repair();
  out.repair.queued = rep.stats.queued;
  out.repair.missing = rep.stats.missing;
  out.repair.in_flight = mc.copies_in_flight();
  out.repair.done = rep.stats.done;
  out.repair.failed = rep.stats.failed;
  out.repair.bytes_done = rep.stats.bytes_done;
  out.repair.bytes_per_s = rep.bytes_per_s;
  return out;
}

}  // namespace dfs
