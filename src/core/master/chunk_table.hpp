#pragma once
// The master's chunk table: committed chunks with reference counts and (volatile) replica sets,
// the handle allocator, and the grace table of allocated-but-uncommitted handles.
//
// Handle life cycle:
//
//   next_handle --allocate--> uncommitted (grace deadline) --commit--> committed (refcount >= 1)
//                                   |                                       |
//                                abandon / grace over                 refcount hits 0
//                                   v                                       v
//                                 gone: a chunkserver holding it is told to delete it
//
// A handle is never handed out twice: `next_handle` only grows and is persisted.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "common/node_id.hpp"
#include "core/master/handle_set.hpp"
#include "core/master/node_set.hpp"
#include "core/master/records.hpp"
#include "core/time.hpp"

namespace dfs::master {

struct chunk_entry {
  chunk_meta meta;
  uint32_t refcount = 0;  // versions referring to this chunk
  node_set replicas;      // live replicas with the current chunk version; not persisted
  // Of those, the ones that reported an older version and were told the current one (judge):
  // until one reports the current version itself, none is known to hold it.
  node_set behind;
  // The newest lease handed out to a primary in this master's life (0: none).
  uint64_t handed_version = 0;
  // The newest lease reserved (its bump logged) or handed out in this life (0: none) and the
  // replicas it names: from its bump on, a replica reporting an older version is stale unless
  // the lease names it (it follows the primary). Known from the reservation, not the hand-out:
  // a replica that reported in between was counted "behind" and told the new version, then
  // counted current and named by the next lease with the mutations of this one missing (a
  // chaos run: zeros where 16 acknowledged records were on a restarted chunkserver).
  uint64_t lease_version = 0;
  node_set lease_members;
  // The primary of the last logged grant (bump_version_record::primary; persisted): the only
  // node a lease of an earlier master's life can still run on (empty: unknown, or never leased).
  node_ref lease_holder;
};

// One line of a chunkserver's report.
struct chunk_report_entry {
  chunk_handle handle;
  uint64_t chunk_version = 0;
  uint64_t size_bytes = 0;
};

struct report_reply {
  std::vector<chunk_handle> to_delete;          // orphans past grace, stale versions, wrong sizes
  std::vector<chunk_handle> newer_than_master;  // kept, not counted as replicas (see README)
  // Counted, and to be told the current version: an older version with the same bytes.
  std::vector<chunk_handle> behind;
};

struct under_replicated_entry {
  chunk_handle handle;
  uint32_t replica_count = 0;
};

class chunk_table {
 public:
  // `nominal`: the replica count a chunk should have (quorum.replication). The table keeps the
  // chunks whose count differs (off_nominal) so that the master's repair scan visits only those
  // and the replicas on servers that do not count, not every chunk each repair interval.
  explicit chunk_table(uint32_t nominal = 3) : nominal_(nominal) {}

  // -- allocation and grace ---------------------------------------------------------------------
  chunk_handle next_handle() const { return chunk_handle{next_handle_}; }
  // Precondition: first == next_handle().
  void allocate(chunk_handle first, uint32_t count, core::time_point grace_deadline);
  bool is_uncommitted(chunk_handle h) const { return uncommitted_.count(h.value) > 0; }
  // True while `h` is uncommitted and its grace has not run out at `now`.
  bool in_grace(chunk_handle h, core::time_point now) const;
  void abandon(chunk_handle h) { uncommitted_.erase(h.value); }
  std::vector<chunk_handle> expired(core::time_point now) const;  // sorted

  // -- committed chunks -------------------------------------------------------------------------
  const chunk_entry* find(chunk_handle h) const;
  // First reference: moves an uncommitted handle into the table with refcount 1.
  void commit_new(const chunk_meta& meta);
  void add_ref(chunk_handle h);
  // A lease's version bump (precondition: `h` is committed). Replicas stay listed: they learn
  // the version from the master (version_update); one that reports the old one is stale.
  // Until a replica reports the new version it is behind (judge: a replica that reports an
  // older version then is stale only once another is known to hold the current one).
  void set_version(chunk_handle h, uint64_t chunk_version, const node_id& primary) {
    auto& e = chunks_.at(h.value);
    e.meta.chunk_version = chunk_version;
    e.lease_holder = node_ref(*nodes_, primary);
    e.behind = e.replicas;
  }
  // A mutation past the chunk's committed end (grow_record; precondition: `h` is committed):
  // the new size and the checksum of the bytes readers get (zeros past a replica's end).
  void set_size(chunk_handle h, uint64_t size_bytes, uint32_t crc32c) {
    auto& m = chunks_.at(h.value).meta;
    m.size_bytes = size_bytes;
    m.crc32c = crc32c;
  }
  // A lease at `version` naming `members` (primary first) was handed out (volatile). Every
  // other listed replica stops being one: it missed the bump, so it misses the lease's
  // acknowledged mutations. Named by a later lease it would take that lease's mutations past a
  // hole (found by a chaos run: a replica unhealthy at one grant, healthy again at the next,
  // ended with zeros where acknowledged records were); its next report finds it stale (judge).
  void note_lease_handed(chunk_handle h, uint64_t version, const std::set<node_id>& members);
  // A lease at `version` naming `members` was reserved: its bump is logged (volatile).
  void note_lease_reserved(chunk_handle h, uint64_t version, const std::set<node_id>& members);
  // Drops one reference; at 0 the chunk leaves the table. Returns true if it was freed.
  bool release(chunk_handle h);

  // -- replicas (volatile) ----------------------------------------------------------------------
  void add_replica(chunk_handle h, const node_id& n);  // no-op for an unknown handle
  void drop_replica(chunk_handle h, const node_id& n);
  void drop_node(const node_id& n);  // chunkserver dead or re-registered
  report_reply on_full_report(const node_id& n, const std::vector<chunk_report_entry>& held,
                              core::time_point now);
  report_reply on_incremental_report(const node_id& n, const std::vector<chunk_report_entry>& added,
                                     const std::vector<chunk_handle>& removed,
                                     core::time_point now);
  // After a restart the master cannot tell a stale replica from one that only missed a version
  // bump (it crashed after logging the bump, before any replica heard of it): both report an
  // older version. Until `until` (the restart's lease wait-out: by then every live chunkserver
  // has reported), such reports are held: neither counted nor deleted. A replica reporting the
  // current version in the meantime makes the held ones stale; at `until` (settle_held) the
  // rest are judged as usual, i.e. kept as behind when no current replica turned up.
  void hold_older_reports_until(core::time_point until) { hold_until_ = until; }
  void settle_held(core::time_point now);
  size_t held_count() const;
  // Judgements about other nodes than the one reporting (held replicas settled by a report or
  // by settle_held): to be sent to those nodes.
  std::map<node_id, report_reply> take_deferred() { return std::exchange(deferred_, {}); }

  // Chunks with fewer than `nominal` replicas, fewest first, then by handle.
  std::vector<under_replicated_entry> under_replicated() const;
  // How many there are, without listing and sorting them (metrics and the status board ask
  // every second: a quarter of a million after a chunkserver death).
  size_t under_replicated_count() const;
  size_t chunks_on(const node_id& n) const;
  // Committed chunks with more or fewer replicas than `nominal`.
  const handle_set& off_nominal() const { return off_nominal_; }
  // Each node's replicas (a node may be listed with none).
  const std::map<node_id, handle_set>& by_node() const { return by_node_; }

  // -- whole-table access for snapshots ---------------------------------------------------------
  const std::map<uint64_t, chunk_entry>& chunks() const { return chunks_; }
  const std::map<uint64_t, core::time_point>& uncommitted() const { return uncommitted_; }
  // Restores persisted state; refcounts start at 0 and are rebuilt with add_ref.
  void restore(uint64_t next_handle, const std::vector<chunk_meta>& chunks,
               const std::vector<chunk_handle>& uncommitted, core::time_point grace_deadline);
  // Restores a committed chunk's lease holder; false if `h` is not committed.
  bool restore_lease_holder(chunk_handle h, const node_id& primary);

 private:
  void judge(const node_id& n, const chunk_report_entry& e, core::time_point now,
             report_reply& out);
  void add_replica(std::pair<const uint64_t, chunk_entry>& c, const node_id& n);
  // n's replica index, added if missing. A full report names one server 750,000 times in a
  // row: the last one found is kept (by_node_'s order compares host strings first).
  handle_set& index_of(const node_id& n);

  void forget_held(uint64_t h, const node_id& n);
  // Judges the held reports of `h` again (into deferred_), now that they can be decided.
  void rejudge_held(uint64_t h, core::time_point now);
  // Called after every change of h's replica set (h committed).
  void recount(uint64_t h, const chunk_entry& e) {
    if (e.replicas.size() == nominal_)
      off_nominal_.erase(h);
    else
      off_nominal_.insert(h);
  }

  // Every node id the sets below name (never copied: the sets point at it).
  std::unique_ptr<node_table> nodes_ = std::make_unique<node_table>();
  uint64_t next_handle_ = 1;
  std::map<uint64_t, chunk_entry> chunks_;
  std::map<uint64_t, core::time_point> uncommitted_;  // handle -> grace deadline
  std::map<node_id, handle_set> by_node_;  // replica index for reports, node loss and repair
  std::pair<const node_id, handle_set>* last_index_ = nullptr;  // index_of's last; in by_node_
  uint32_t nominal_;
  // A server's death adds its share of the table at once (750,000 handles for one of four
  // servers of 1,000,000 chunks), which a std::set made 20-50 % slower (bench/README.md).
  handle_set off_nominal_;
  core::time_point hold_until_{};
  std::map<uint64_t, std::map<node_id, chunk_report_entry>> held_;  // handle -> held reports
  std::map<node_id, report_reply> deferred_;
};

}  // namespace dfs::master
