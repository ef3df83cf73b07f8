#include "core/master/stale_reads.hpp"

#include "common/ports.hpp"
#include "core/master/ns_replies.hpp"

namespace dfs::master {

ns_reply stale_read(const master_state& meta, const stale_read_request& r,
                    const std::vector<node_id>& chunkservers) {
  switch (r.op) {
    case stale_op::list: {
      auto l = meta.ls(r.path);
      return l ? list_reply(*l) : ns_error(l.err());
    }
    case stale_op::stat: {
      auto s = meta.stat(r.path);
      return s ? stat_reply(*s) : ns_error(s.err());
    }
    case stale_op::layout: {
      auto l = meta.layout(r.path, r.version);
      if (!l) return ns_error(l.err());
      return layout_reply(*l, [&](const std::vector<node_id>& known) {
        std::vector<replica_addr> out;
        auto add = [&](const node_id& n) {
          for (auto& o : out)
            if (o.id.address() == n.address()) return;
          out.push_back({n, data_port_of(n.port)});
        };
        for (auto& n : known) add(n);
        for (auto& n : chunkservers) add(n);
        return out;
      });
    }
  }
  return ns_error(errc::invalid_argument,
                  "unknown stale read operation " + std::to_string(static_cast<int>(r.op)));
}

std::string stale_refusal(std::optional<core::time_point> heard, core::time_point now,
                          uint64_t max_ms) {
  if (!heard) return "this standby has not heard from an active master since it started";
  auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(now - *heard).count();
  if (ago <= static_cast<int64_t>(max_ms)) return {};
  return "this standby last heard from an active master " + std::to_string(ago) +
         " ms ago (more than master.stale_read_max_ms = " + std::to_string(max_ms) + ")";
}

}  // namespace dfs::master
