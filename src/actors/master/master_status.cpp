#include "actors/master/master_status.hpp"

#include "actors/master/master_actor.hpp"

namespace dfs {

status::master_section master_status_of(const master_state& st) {
  const auto& core = *st.core;
  const auto& meta = core.meta();
  auto now = core::clock::now();
  status::master_section out;
  out.files = meta.file_count();
  out.file_bytes = meta.total_file_bytes();
  out.chunks = meta.chunks().chunks().size();
  out.under_replicated = meta.under_replicated().size();
  out.replication = st.cfg.quorum.replication;
  for (auto& s : core.registry().list()) {
    status::chunkserver_row r;
    r.id = s.id.to_string();
    r.data = s.id.host + ":" + std::to_string(s.data_port);
    r.zone = s.zone;
    r.state = registry::to_string(s.state);
    r.drain = core.drained(s.id) ? "drained" : core.draining(s.id) ? "draining" : "";
    r.heartbeat_age_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - s.last_heartbeat).count();
    r.capacity_bytes = s.capacity_bytes;
    r.free_bytes = s.free_bytes;
    auto used = core.used_bytes().find(s.id);
    r.used_bytes = used == core.used_bytes().end() ? 0 : used->second;
    r.chunks = meta.chunks().chunks_on(s.id);
    out.chunkservers.push_back(std::move(r));
  }
  const auto& rep = core.repair();
  out.repair.queued = rep.stats.queued;
  out.repair.missing = rep.stats.missing;
  out.repair.in_flight = core.copies_in_flight();
  out.repair.done = rep.stats.done;
  out.repair.failed = rep.stats.failed;
  out.repair.bytes_done = rep.stats.bytes_done;
  out.repair.bytes_per_s = rep.bytes_per_s;
  return out;
}

}  // namespace dfs
