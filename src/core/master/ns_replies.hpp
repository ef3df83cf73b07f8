#pragma once
// Replies to namespace reads, built from the metadata alone. The active master's core and a
// standby answering a stale read (stale_reads.hpp) build them the same way, so a client cannot
// tell the two apart by shape.
#include <functional>
#include <string>
#include <vector>

#include "core/master/error.hpp"
#include "core/master/master_state.hpp"
#include "core/master/messages.hpp"

namespace dfs::master {

ns_reply ns_error(errc code, std::string msg);
ns_reply ns_error(const error& e);
// A refused lease request (lease side and copy-on-write alike).
lease_reply lease_error(errc code, std::string msg);
ns_version to_ns(const version_info& v);
ns_reply list_reply(const std::vector<dir_entry>& entries);
ns_reply stat_reply(const file_stat& s);
// `where(replicas)`: the data addresses of a chunk's replicas.
using replica_locator = std::function<std::vector<replica_addr>(const std::vector<node_id>&)>;
ns_reply layout_reply(const file_layout& l, const replica_locator& where);

}  // namespace dfs::master
