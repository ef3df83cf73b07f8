#pragma once
// The master's metadata as one pure state machine: namespace + versions + chunk table.
//
// Mutations are two steps, so that live operation and log replay run the same code:
//
//   auto rec = state.validate_commit(req, now);    // const: checks input, builds the record
//   if (!rec) reply(rec.err());                    // bad input never changes anything
//   state.apply(*rec, now);                        // deterministic; replay calls this too
//   journal.append({*rec}); ... reply after the group fsync
//
// Apply each record right after validating it (before validating the next request), because a
// record carries numbers (next version, first handle) computed from the current state; apply
// re-checks them and refuses a record that no longer fits (errc::corrupt_state).
//
// Replica sets and grace deadlines are volatile: not in records or snapshots. `now` passed to
// apply is only used to start grace periods (on replay: the restart time, so that uploads in
// flight during a master crash get a full grace period).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/limits.hpp"
#include "core/master/chunk_table.hpp"
#include "core/master/error.hpp"
#include "core/master/namespace_tree.hpp"
#include "core/master/records.hpp"
#include "core/master/request_table.hpp"
#include "core/master/trash_bin.hpp"
#include "core/time.hpp"

namespace dfs::master {

struct master_options {
  uint32_t max_versions = 5;  // master.max_versions
  uint32_t replication = 3;   // target replica count (the chunk table's nominal count)
  core::duration handle_grace = std::chrono::minutes(10);  // allocate -> commit window
  uint32_t max_chunks_per_put = 1u << 20;
  uint64_t min_chunk_size_bytes = limits::min_chunk_size_bytes;
  uint64_t max_chunk_size_bytes = limits::max_chunk_size_bytes;
  request_table_options requests;  // bounds of the table that answers retried mutations
  // Small files stored in the namespace (version_info::inline_data): at most this many bytes
  // each (master.inline_max_bytes; 0: never), and at most `inline_budget_bytes` over every
  // version kept (master memory; a put past it is stored as chunks).
  uint64_t inline_max_bytes = 4096;
  uint64_t inline_budget_bytes = 256ull << 20;
};

// A put's final step: the chunks were pushed and finalized on their replicas.
struct commit_request {
  std::string path;
  uint64_t mtime_ms = 0;  // wall clock of the commit, from the master actor
  uint64_t chunk_size_bytes = 0;
  std::vector<chunk_meta> chunks;  // new (allocated) or existing (shared) chunks, in file order
  uint64_t base_version = 0;       // put_commit::base_version
  std::string inline_data = {};    // non-empty: a small file's bytes instead of chunks
};

struct dir_entry {
  std::string name;
  bool is_dir = false;
  uint64_t size_bytes = 0;  // newest version
  uint64_t mtime_ms = 0;    // newest version
  uint32_t version_count = 0;
  uint32_t chunk_count = 0;  // newest version
};

struct file_stat {
  std::string path;
  bool is_dir = false;
  uint32_t child_count = 0;    // directories
  uint32_t version_count = 0;  // files
  version_info newest;         // files
};

struct chunk_location {
  chunk_meta meta;
  std::vector<node_id> replicas;  // sorted
};

// fsck: the chunks of every kept version of one file, by how many live replicas they have.
struct fsck_file {
  std::string path;
  uint32_t chunks = 0;   // distinct chunks over all kept versions
  uint32_t healthy = 0;  // at least `replication` replicas
  uint32_t under = 0;    // some, fewer than `replication`
  uint32_t missing = 0;  // none: unreadable until a chunkserver holding it comes back
};

struct file_layout {
  std::string path;
  version_info version;
  std::vector<chunk_location> chunks;
};

class master_state {
 public:
  explicit master_state(master_options opts = {});

  const master_options& options() const { return opts_; }

  // -- validation: const, returns the record to persist or a clear error ------------------------
  result<mkdir_record> validate_mkdir(std::string_view path) const;
  result<remove_record> validate_remove(std::string_view path) const;
  // mv FROM TO; TO an existing directory: FROM goes into it, under its own name.
  result<rename_record> validate_rename(std::string_view from, std::string_view to) const;
  result<allocate_record> validate_allocate(std::string_view path, uint32_t chunk_count) const;
  result<commit_record> validate_commit(const commit_request& req, core::time_point now) const;
  // Moves the bytes of the newest version `version` of `path`, stored inline, into `chunks`
  // (allocated, in grace, holding the same bytes): conflict if that version is no longer the
  // newest or no longer inline (another writer did it first).
  result<materialize_record> validate_materialize(std::string_view path, uint64_t version,
                                                  uint64_t chunk_size_bytes,
                                                  const std::vector<chunk_meta>& chunks,
                                                  core::time_point now) const;
  // An abandon record for handles whose grace ran out, if any (the actor logs it on a tick).
  std::optional<abandon_record> collect_expired(core::time_point now) const;
  // rm of a file (a directory: validate_remove). `wall_ms`: the deletion time.
  result<trash_record> validate_trash(std::string_view path, uint64_t wall_ms) const;
  // undelete PATH [as AS]: the newest trash entry of PATH, back at AS (default PATH).
  result<restore_record> validate_restore(std::string_view path, std::string_view as) const;
  // trash purge [PATH]: every entry (empty path) or those of PATH.
  result<purge_record> validate_purge(std::string_view path) const;
  // Entries deleted at least `ttl_ms` before `wall_ms`, if any (logged on a tick): at most
  // `max_expired_per_purge` of them, the oldest first, so that a large expired trash becomes
  // several records over ticks, not one record and one pause of the size of the whole trash.
  std::optional<purge_record> collect_expired_trash(uint64_t wall_ms, uint64_t ttl_ms) const;
  static constexpr size_t max_expired_per_purge = 4096;

  // A lease grant's version bump of committed chunk `h` (unknown_handle if there is none).
  result<bump_version_record> validate_bump(chunk_handle h, const node_id& primary) const;
  // A write or append past the end of `path` (master_grow.cpp): the newest version (which
  // must be `version`, 0: any) takes `chunks` (new, allocated) from index `first_index` on,
  // those below its chunk count being dropped (another client added them first), and grows to
  // `size_bytes`. The record has no chunks and the current size if nothing would change.
  result<grow_record> validate_grow(std::string_view path, uint64_t version, uint64_t size_bytes,
                                    uint64_t first_index, const std::vector<chunk_meta>& chunks,
                                    core::time_point now) const;
  bool grows(const grow_record& r) const;

  // snapshot PATH (version_snapshot.cpp): a new version of the file equal to its newest one
  // (same chunks, size and chunk size), as a commit record sharing every chunk (refcount + 1,
  // nothing copied); `max_versions` applies as for a put. `wall_ms`: its mtime.
  result<commit_record> validate_snapshot(std::string_view path, uint64_t wall_ms) const;
  // cp FROM TO (version_snapshot.cpp): a new version of TO (created if absent; an existing
  // directory: TO/name) equal to FROM's newest, the same commit record as a snapshot's but
  // naming TO, so TO's file shares FROM's chunks until a lease on either copies one.
  result<commit_record> validate_copy(std::string_view from, std::string_view to,
                                      uint64_t wall_ms) const;
  // Copy-on-write: chunk `chunk_index` of the newest version (`version_number`) of `path` is
  // `old_handle`, shared (refcount > 1), and becomes `new_handle`, allocated and uncommitted.
  // conflict when the file moved on (another newest version, another chunk there, no longer
  // shared): the lease request that started the copy is answered "ask again".
  result<cow_record> validate_cow(std::string_view path, uint64_t version_number,
                                  uint64_t chunk_index, chunk_handle old_handle,
                                  chunk_handle new_handle) const;

  // -- apply: the only way the persistent state changes -----------------------------------------
  result<void> apply(const log_record& r, core::time_point now);

  // -- queries ----------------------------------------------------------------------------------
  result<std::vector<dir_entry>> ls(std::string_view path) const;  // a file lists itself
  result<file_stat> stat(std::string_view path) const;
  // The newest `n` versions (n >= 1), oldest of them first, newest last.
  result<std::vector<version_info>> versions(std::string_view path, uint32_t n) const;
  // Chunks and replicas of one version; version_number 0 = newest.
  result<file_layout> layout(std::string_view path, uint64_t version_number = 0) const;
  // Every file at or below `path` (a file: itself), in path order.
  result<std::vector<fsck_file>> fsck(std::string_view path) const;
  const trash_bin::entries_t& trash() const { return trash_.entries(); }
  // Control addresses (HOST:PORT) of the chunkservers being drained.
  const std::set<std::string>& draining() const { return draining_; }
  // Results of clients' recent mutations (filled by applying request records).
  const request_table& requests() const { return requests_; }
  size_t file_count() const { return tree_.file_count(); }
  // Newest versions only; kept up to date by apply (the status page and metrics read it every
  // second: a walk of the namespace took 55 ms with a million files).
  uint64_t total_file_bytes() const { return total_file_bytes_; }
  uint64_t inline_bytes() const { return inline_bytes_; }  // every kept version's, and trash's

  // -- chunk locations (volatile, from chunkservers) --------------------------------------------
  report_reply on_full_report(const node_id& n, const std::vector<chunk_report_entry>& held,
                              core::time_point now);
  report_reply on_incremental_report(const node_id& n, const std::vector<chunk_report_entry>& added,
                                     const std::vector<chunk_handle>& removed,
                                     core::time_point now);
  // Replicas confirmed by the client's finalize step, right after its commit was applied.
  void note_replicas(chunk_handle h, const std::vector<node_id>& nodes);
  void note_lease_handed(chunk_handle h, uint64_t version, const std::set<node_id>& members) {
    chunks_.note_lease_handed(h, version, members);
  }
  void note_lease_reserved(chunk_handle h, uint64_t version, const std::set<node_id>& members) {
    chunks_.note_lease_reserved(h, version, members);
  }
  // A replica that no longer counts (found corrupt, trimmed): never handed to readers again.
  void drop_replica(chunk_handle h, const node_id& n) { chunks_.drop_replica(h, n); }
  void on_node_down(const node_id& n) { chunks_.drop_node(n); }
  // Restart: older-version reports wait until `until` (chunk_table::hold_older_reports_until).
  void hold_older_reports_until(core::time_point until) { chunks_.hold_older_reports_until(until); }
  void settle_held(core::time_point now) { chunks_.settle_held(now); }
  std::map<node_id, report_reply> take_deferred() { return chunks_.take_deferred(); }
  std::vector<under_replicated_entry> under_replicated() const {
    return chunks_.under_replicated();
  }
  size_t under_replicated_count() const { return chunks_.under_replicated_count(); }
  const chunk_table& chunks() const { return chunks_; }

  // -- checkpoints ------------------------------------------------------------------------------
  master_snapshot snapshot() const;
  // Rebuilds the state; grace periods of uncommitted handles restart at `now`. Errors with
  // errc::corrupt_state if the snapshot is inconsistent (bad path, dangling or unused chunk).
  static result<master_state> from_snapshot(const master_snapshot& s, master_options opts,
                                            core::time_point now);
  // Recovery: the checkpoint (a default snapshot is the empty state) and the records logged
  // after it, applied in order. Errors with corrupt_state if a record does not apply.
  static result<master_state> replay(const master_snapshot& checkpoint,
                                     const std::vector<log_record>& records, master_options opts,
                                     core::time_point now);
  // Every persistent fact, one per line, in a fixed order: equal dumps = equal states.
  std::string canonical_dump() const;

 private:
  result<void> apply_one(const log_record& r, core::time_point now);  // apply, by kind
  uint64_t newest_size(const std::string& path) const;                // 0: no such file
  result<void> apply_mkdir(const mkdir_record& r);
  result<void> apply_remove(const remove_record& r);
  result<void> apply_allocate(const allocate_record& r, core::time_point now);
  result<void> apply_commit(const commit_record& r);
  result<void> apply_trash(const trash_record& r);
  result<void> apply_restore(const restore_record& r);
  result<void> apply_purge(const purge_record& r);
  result<void> apply_drain(const drain_record& r);
  result<void> apply_rename(const rename_record& r);
  result<void> apply_request(const request_record& r, core::time_point now);
  result<void> apply_bump(const bump_version_record& r);
  result<void> apply_grow(const grow_record& r);
  result<void> apply_cow(const cow_record& r);
  result<void> apply_materialize(const materialize_record& r);
  // The checks validate_materialize and apply_materialize share; the version that changes.
  result<const version_info*> check_materialize(const materialize_record& r) const;
  // The checks validate_cow and apply_cow share; the version that will change.
  result<const version_info*> check_cow(const cow_record& r) const;
  result<void> check_commit_chunks(const commit_record& r) const;
  result<const version_info*> newest_to_share(const parsed_path& from, const char* what) const;
  result<commit_record> shared_commit(const parsed_path& target, uint64_t number,
                                      const version_info& newest, uint64_t wall_ms) const;
  void release_version(const version_info& v);
  result<void> restore_inline(const std::vector<inline_snapshot>& inlined);

  master_options opts_;
  namespace_tree tree_;
  chunk_table chunks_;
  trash_bin trash_;
  uint64_t next_trash_id_ = 1;
  std::set<std::string> draining_;
  request_table requests_;
  uint64_t inline_bytes_ = 0;      // sum of inline_data sizes of every version held (budget)
  uint64_t total_file_bytes_ = 0;  // sum of every file's newest version's size
};

}  // namespace dfs::master
