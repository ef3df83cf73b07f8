// Checkpoints of master_state: snapshot, restore and the canonical dump used by tests.
#include <algorithm>
#include <cstdio>

#include "common/crc32c.hpp"
#include "core/master/master_state.hpp"

namespace dfs::master {

namespace {

error corrupt(const std::string& what) {
  return make_error(errc::corrupt_state, "checkpoint: " + what);
}

std::string hex32(uint32_t x) {
  char buf[12];
  std::snprintf(buf, sizeof(buf), "%08x", x);
  return buf;
}

}  // namespace

master_snapshot master_state::snapshot() const {
  master_snapshot s;
  s.next_handle = chunks_.next_handle().value;
  tree_.for_each([&](const std::string& path, const inode& n) {
    if (n.is_dir)
      s.dirs.push_back(path);
    else
      s.files.push_back({path, n.file.next_version, n.file.versions});
  });
  auto list_inline = [&](uint64_t trash_id, const std::string& path,
                         const std::vector<version_info>& vs) {
    for (const auto& v : vs)
      if (v.is_inline()) s.inlined.push_back({trash_id, path, v.number, v.inline_data});
  };
  for (const auto& f : s.files) list_inline(0, f.path, f.versions);
  for (const auto& [h, e] : chunks_.chunks()) {
    s.chunks.push_back(e.meta);
    if (!e.lease_holder.empty()) s.lease_holders.push_back({e.meta.handle, e.lease_holder.get()});
  }
  for (const auto& [h, deadline] : chunks_.uncommitted()) s.uncommitted.push_back(chunk_handle{h});
  for (const auto& [id, e] : trash_.entries()) {
    s.trash.push_back({id, e.path, e.deleted_ms, e.file.next_version, e.file.versions});
    list_inline(id, e.path, e.file.versions);
  }
  // The bytes travel in `inlined` only (version_info's serialised fields have no room).
  for (auto& f : s.files)
    for (auto& v : f.versions) v.inline_data.clear();
  for (auto& t : s.trash)
    for (auto& v : t.versions) v.inline_data.clear();
  s.next_trash_id = next_trash_id_;
  s.draining.assign(draining_.begin(), draining_.end());
  s.requests = requests_.snapshot();
  return s;
}

result<master_state> master_state::from_snapshot(const master_snapshot& s, master_options opts,
                                                 core::time_point now) {
  for (const auto& m : s.chunks)
    if (!m.handle.valid() || m.handle.value >= s.next_handle)
      return corrupt("chunk handle " + m.handle.to_string() + " not below next_handle");
  for (auto h : s.uncommitted)
    if (!h.valid() || h.value >= s.next_handle)
      return corrupt("uncommitted handle " + h.to_string() + " not below next_handle");
  master_state st{opts};
  st.chunks_.restore(s.next_handle, s.chunks, s.uncommitted, now + opts.handle_grace);
  for (const auto& l : s.lease_holders)
    if (!st.chunks_.restore_lease_holder(l.handle, l.primary))
      return corrupt("lease holder of chunk " + l.handle.to_string() + ", which is not committed");
  for (const auto& d : s.dirs) {
    auto p = parse_path(d, path_rules::stored);
    if (!p) return corrupt(p.err().message);
    if (auto ok = st.tree_.check_mkdir(*p); !ok) return corrupt(ok.err().message);
    st.tree_.mkdir(*p);
  }
  for (const auto& f : s.files) {
    auto p = parse_path(f.path, path_rules::stored);
    if (!p) return corrupt(p.err().message);
    if (auto ok = st.tree_.check_file_target(*p); !ok) return corrupt(ok.err().message);
    if (f.versions.empty()) return corrupt("file " + f.path + " without versions");
    st.total_file_bytes_ += f.versions.back().size_bytes;
    auto& file = st.tree_.file_for_commit(*p);
    file.next_version = f.next_version;
    file.versions = f.versions;
    for (const auto& v : f.versions) {
      if (v.number >= f.next_version) return corrupt("version numbers of " + f.path);
      for (auto h : v.chunks) {
        if (st.chunks_.find(h) == nullptr)
          return corrupt("file " + f.path + " refers to missing chunk " + h.to_string());
        st.chunks_.add_ref(h);
      }
    }
  }
  for (const auto& t : s.trash) {
    if (t.id == 0 || t.id >= s.next_trash_id ||
        !st.trash_.add({t.id, t.path, t.deleted_ms, {t.next_version, t.versions}}))
      return corrupt("trash id " + std::to_string(t.id));
    for (const auto& v : t.versions)
      for (auto h : v.chunks) {
        if (st.chunks_.find(h) == nullptr)
          return corrupt("trashed " + t.path + " refers to missing chunk " + h.to_string());
        st.chunks_.add_ref(h);
      }
  }
  st.next_trash_id_ = std::max<uint64_t>(s.next_trash_id, 1);
  for (const auto& a : s.draining) {
    if (a.empty()) return corrupt("empty draining address");
    st.draining_.insert(a);
  }
  st.requests_ = request_table::restore(s.requests, opts.requests);
  if (auto ok = st.restore_inline(s.inlined); !ok) return ok.err();
  for (const auto& [h, e] : st.chunks_.chunks())
    if (e.refcount == 0) return corrupt("chunk " + chunk_handle{h}.to_string() + " unused");
  return st;
}

// Puts the inline bytes back into the versions they belong to: each exactly once, into a
// version with no chunks and the same size.
result<void> master_state::restore_inline(const std::vector<inline_snapshot>& inlined) {
  for (const auto& b : inlined) {
    std::vector<version_info>* vs = nullptr;
    if (b.trash_id == 0) {
      auto p = parse_path(b.path, path_rules::stored);
      if (!p) return corrupt(p.err().message);
      auto node = tree_.lookup(*p);
      if (!node || (*node)->is_dir) return corrupt("inline bytes of missing file " + b.path);
      vs = &tree_.file_for_commit(*p).versions;  // exists: found above
    } else {
      auto* e = trash_.find(b.trash_id);
      if (e == nullptr) return corrupt("inline bytes of missing trash entry " + b.path);
      vs = &e->file.versions;
    }
    auto v = std::find_if(vs->begin(), vs->end(),
                          [&](const version_info& x) { return x.number == b.version; });
    if (v == vs->end() || b.data.empty() || !v->chunks.empty() || v->is_inline() ||
        v->size_bytes != b.data.size())
      return corrupt("inline bytes of " + b.path + " version " + std::to_string(b.version) +
                     " do not fit it");
    v->inline_data = b.data;
    inline_bytes_ += b.data.size();
  }
  return {};
}

std::string master_state::canonical_dump() const {
  auto s = snapshot();
  std::string out = "next_handle " + std::to_string(s.next_handle) + "\n";
  for (const auto& d : s.dirs) out += "dir " + d + "\n";
  for (const auto& f : s.files) {
    out += "file " + f.path + " next_version " + std::to_string(f.next_version) + "\n";
    for (const auto& v : f.versions) {
      out += "  version " + std::to_string(v.number) + " mtime_ms " + std::to_string(v.mtime_ms) +
             " size " + std::to_string(v.size_bytes) + " chunk_size " +
             std::to_string(v.chunk_size_bytes) + " chunks";
      for (auto h : v.chunks) out += " " + h.to_string();
      out += "\n";
    }
  }
  for (const auto& [h, e] : chunks_.chunks()) {
    out += "chunk " + e.meta.handle.to_string() + " v" + std::to_string(e.meta.chunk_version) +
           " size " + std::to_string(e.meta.size_bytes) + " crc " + hex32(e.meta.crc32c) +
           " refs " + std::to_string(e.refcount) +
           (e.lease_holder.empty() ? "" : " holder " + e.lease_holder.get().to_string()) + "\n";
  }
  for (auto h : s.uncommitted) out += "uncommitted " + h.to_string() + "\n";
  out += "next_trash_id " + std::to_string(s.next_trash_id) + "\n";
  for (const auto& t : s.trash) {
    out += "trash " + std::to_string(t.id) + " " + t.path + " deleted_ms " +
           std::to_string(t.deleted_ms) + " next_version " + std::to_string(t.next_version) +
           " versions";
    for (const auto& v : t.versions) {
      out += " " + std::to_string(v.number) + ":";
      for (auto h : v.chunks) out += h.to_string() + ",";
    }
    out += "\n";
  }
  for (const auto& a : s.draining) out += "draining " + a + "\n";
  for (const auto& b : s.inlined)
    out += "inline trash " + std::to_string(b.trash_id) + " " + b.path + " version " +
           std::to_string(b.version) + " size " + std::to_string(b.data.size()) + " crc " +
           hex32(crc32c(b.data)) + "\n";
  for (const auto& c : s.requests) {
    out += "requests client " + std::to_string(c.client) + " forgotten_through " +
           std::to_string(c.forgotten_through) + "\n";
    for (const auto& d : c.done)
      out += "  request " + std::to_string(d.seq) + " version " +
             std::to_string(d.outcome.version) + " mtime_ms " + std::to_string(d.outcome.mtime_ms) +
             " size " + std::to_string(d.outcome.size_bytes) + " chunk_size " +
             std::to_string(d.outcome.chunk_size_bytes) + " chunks " +
             std::to_string(d.outcome.chunk_count) + " path '" + d.outcome.path + "'\n";
  }
  return out;
}

result<master_state> master_state::replay(const master_snapshot& checkpoint,
                                          const std::vector<log_record>& records,
                                          master_options opts, core::time_point now) {
  auto st = from_snapshot(checkpoint, opts, now);
  if (!st) return st;
  for (size_t i = 0; i < records.size(); ++i)
    if (auto ok = st->apply(records[i], now); !ok)
      return make_error(errc::corrupt_state,
                        "log record " + std::to_string(i) +
                            " after the checkpoint does not apply: " + ok.err().message);
  return st;
}

}  // namespace dfs::master
