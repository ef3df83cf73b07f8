#pragma once
// The master's section of the status page on the wire (issue 16 item 3): a fileserver's page
// shows the cluster's chunkservers, capacity and repair too, asked from the master once per
// refresh (roles/master_status_poller.hpp). Read-only; any authenticated principal may ask.
#include <caf/meta/type_name.hpp>

#include "core/master/messages.hpp"
#include "core/status/status_model.hpp"

namespace dfs {

struct status_request {};
inline bool operator==(const status_request&, const status_request&) {
  return true;
}

struct status_reply {
  ns_status status = ns_status::ok;  // unavailable: not a master (yet)
  std::string error;
  status::master_section section;
};
inline bool operator==(const status_reply& a, const status_reply& b) {
  return a.status == b.status && a.error == b.error && a.section == b.section;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_request&) {
  return f(caf::meta::type_name("dfs::status_request"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_reply& x) {
  return f(caf::meta::type_name("dfs::status_reply"), x.status, x.error, x.section);
}

}  // namespace dfs

namespace dfs::status {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunkserver_row& x) {
  return f(caf::meta::type_name("dfs::status::chunkserver_row"), x.id, x.data, x.zone, x.state,
           x.drain, x.heartbeat_age_ms, x.capacity_bytes, x.free_bytes, x.used_bytes, x.chunks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, repair_section& x) {
  return f(caf::meta::type_name("dfs::status::repair_section"), x.queued, x.missing, x.in_flight,
           x.done, x.failed, x.bytes_done, x.bytes_per_s);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, master_section& x) {
  return f(caf::meta::type_name("dfs::status::master_section"), x.present, x.from, x.files,
           x.file_bytes, x.chunks, x.under_replicated, x.replication, x.chunkservers, x.repair);
}

}  // namespace dfs::status
