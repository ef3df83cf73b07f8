#include "core/master/ns_replies.hpp"

namespace dfs::master {

ns_reply ns_error(errc code, std::string msg) {
  ns_reply r;
  r.status = code;
  r.error = std::move(msg);
  return r;
}

lease_reply lease_error(errc code, std::string msg) {
  lease_reply r;
  r.status = code;
  r.error = std::move(msg);
  return r;
}

ns_reply ns_error(const error& e) {
  return ns_error(e.code, e.message);
}

ns_version to_ns(const version_info& v) {
  return {v.number, v.mtime_ms, v.size_bytes, v.chunk_size_bytes,
          static_cast<uint32_t>(v.chunks.size())};
}

ns_reply list_reply(const std::vector<dir_entry>& entries) {
  ns_reply out;
  for (auto& e : entries)
    out.entries.push_back(
        {e.name, e.is_dir, e.size_bytes, e.mtime_ms, e.version_count, e.chunk_count});
  return out;
}

ns_reply stat_reply(const file_stat& s) {
  ns_reply r;
  ns_entry e{s.path,
             s.is_dir,
             s.newest.size_bytes,
             s.newest.mtime_ms,
             s.version_count,
             static_cast<uint32_t>(s.newest.chunks.size())};
  if (s.is_dir) e.chunk_count = s.child_count;
  r.entries.push_back(e);
  if (!s.is_dir) r.versions.push_back(to_ns(s.newest));
  return r;
}

ns_reply layout_reply(const file_layout& l, const replica_locator& where) {
  ns_reply r;
  r.versions.push_back(to_ns(l.version));
  for (auto& c : l.chunks)
    r.chunks.push_back({c.meta.handle.value,
                        c.meta.chunk_version,
                        c.meta.size_bytes,
                        c.meta.crc32c,
                        where(c.replicas),
                        {},
                        content_may_change(c.meta)});
  r.inline_data = l.version.inline_data;
  return r;
}

}  // namespace dfs::master
