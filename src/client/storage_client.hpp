#pragma once
// The client library of the storage path: metadata from the master (CAF requests to its node
// actor, a version's layout cached for client.cache_ttl_ms; which version is the newest is
// asked each time, unless a directory lease names it), chunk bytes straight to and from the
// chunkservers over the data port (net/data_client.hpp), a window of chunks in flight.
//
// put: plan (handles + chains) -> push every chunk along its chain -> commit. A chunk that is
//      durable on fewer than W replicas fails the put; nothing is committed then, and the
//      master abandons the handles after their grace (the chunkservers delete the orphans).
// get: layout -> per chunk: (R > 1: ask R replicas for version + checksum) -> read from the
//      nearest good replica, the next one on any error or checksum mismatch.
// Every failure throws storage_error with one line for the user. REMOTE paths are checked with
// the master's own rules (core/master/path.hpp) before anything is sent.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "client/active_master_memo.hpp"
#include "client/actor_system_ref.hpp"
#include "client/master_fallback.hpp"
#include "client/remote.hpp"
#include "client/request_link.hpp"
#include "client/storage_error.hpp"
#include "common/config.hpp"
#include "core/master/master_finder.hpp"
#include "net/data_client.hpp"
#include "proto/interfaces.hpp"

namespace dfs {

// Bytes done so far of a transfer, for a progress bar (updated from worker threads).
struct transfer_progress {
  std::atomic<uint64_t> done_bytes{0};
  uint64_t total_bytes = 0;
};

class storage_client {
 public:
  // `act_as`: a server acting for a caller it authenticated (remote.hpp); empty: log in with
  // cfg.tls.cert like a command-line client.
  // `sys`: started only if a request needs CAF (actor_system_ref.hpp).
  storage_client(actor_system_ref sys, const config& cfg, token_source act_as = {});

  // One namespace request (mkdir, rm, ls, stat); throws on an error status.
  ns_reply ns(ns_op op, const std::string& path);
  // Whether `path` is a directory: a plain stat, so a missing path throws (not_found).
  bool is_dir(const std::string& path) { return ns(ns_op::stat, path).entries.at(0).is_dir; }
  // stat through a directory lease (client/dir_lease_cache.hpp): the first stat in a directory
  // brings the stats of all its entries, and later ones are answered here while the lease
  // runs. Never older than the newest change acknowledged to anyone.
  ns_reply stat(const std::string& path);
  // Before and after a change this process makes (forget_around): cached layouts and
  // directory leases go.
  void forget_cached();
  // mv: `from` (a file or a directory) becomes `to` (into it if `to` is a directory); returns
  // the new path. Logged and atomic at the master.
  std::string rename(const std::string& from, const std::string& to);
  // snapshot: a new version of the file `path` equal to its newest, sharing its chunks (no
  // data copied; a later write copies a shared chunk first). Returns the new version.
  ns_version snapshot(const std::string& path);
  // cp: a new version of the file `to` (into it if `to` is a directory) equal to the newest of
  // `from`, sharing its chunks like a snapshot. Returns where it went and the version made.
  std::pair<std::string, ns_version> copy(const std::string& from, const std::string& to);
  // The trash: list (path and new_path empty), undelete, purge (path empty: everything).
  ns_reply trash(trash_op op, const std::string& path, const std::string& new_path = {});
  // The newest `count` versions of a file, oldest first.
  ns_reply versions(const std::string& path, uint32_t count);
  // The master's status page section (chunkservers, capacity, repair).
  status::master_section master_status();
  // Chunks and replicas of a version (0 = newest), straight from the master (no cache).
  ns_reply layout_now(const std::string& path, uint64_t version = 0);
  // The lease on chunk `index` of the newest version of `remote`: the running one, or a new
  // grant (which bumps the chunk's version). Throws on an error status (busy: another lease
  // may still run).
  lease_reply lease(const std::string& remote, uint64_t index);
  // Before a write or append: the newest version of `remote`, stored inline (layout `l` has
  // its bytes), gets its bytes stored as chunks like a put's, under the same version number
  // (put_commit::materialize_version). Nothing to do for a layout without inline bytes; a
  // conflict (another writer did it, or a newer version came) is left to the caller's next look.
  void materialize(const std::string& remote, const ns_reply& l);
  // A write or append past the end of a file (messages.hpp grow_request); the file's stat.
  ns_reply grow(grow_request req);
  // A file lock request (core/master/lock_table.hpp) as this process (its client id). An
  // acquire waits at the master up to most of client.timeout_ms behind a conflicting holder.
  // Throws on an error status (busy: held by another, naming it; not_found on a renewal: lost).
  lock_reply lock(lock_request req);
  // This process's client id: the same for every storage_client in it.
  static uint64_t process_client_id();
  // Uploads `local` as a new version of `remote`; chunk_size 0 = the cluster default.
  // `base_version` != 0: commit only if that is still the newest version (edit; otherwise a
  // storage_error says which version is newer).
  ns_version put(const std::string& local, const std::string& remote, uint64_t chunk_size,
                 transfer_progress* progress = nullptr, uint64_t base_version = 0);
  // Same from a stream (an HTTP body): `read(buf, n)` gives the next bytes in order, 0 at the
  // end; exactly `size` bytes must come. At most client.window_chunks chunks are in memory.
  ns_version put_stream(const std::function<size_t(char*, size_t)>& read, uint64_t size,
                        const std::string& remote, uint64_t chunk_size);
  // Same from memory (small files, benchmarks).
  ns_version put_bytes(std::string_view data, const std::string& remote, uint64_t chunk_size,
                       uint64_t base_version = 0);
  // Downloads a version (0 = newest); `sink(offset, bytes)` gets the chunks in file order.
  ns_version get(const std::string& remote, uint64_t version,
                 const std::function<void(uint64_t, std::string_view)>& sink,
                 transfer_progress* progress = nullptr);
  // get in two steps, for callers that answer before the bytes come (HTTP): the layout of a
  // version (0 = newest; every chunk located), then the chunks overlapping [first,
  // first + length) handed to `sink(offset, chunk bytes)` in file order.
  ns_reply locate(const std::string& remote, uint64_t version) { return layout(remote, version); }
  void read_layout(const ns_reply& l, uint64_t first, uint64_t length,
                   const std::function<void(uint64_t, std::string_view)>& sink,
                   transfer_progress* progress = nullptr);
  // Downloads into a local file (download_file.hpp: a new temp file next to it, then rename;
  // never a half-written LOCAL, never through a symlink); "-" writes to stdout.
  ns_version get_to_file(const std::string& remote, uint64_t version, const std::string& local,
                         transfer_progress* progress = nullptr);
  net::store_listing store(const std::string& control_addr);
  // Step 1 of a put: handles, replica chains and write tokens for `size` bytes (small files
  // share a reservation of chains). Public for tools and tests that push chunks themselves.
  put_plan plan_put(const std::string& remote, uint64_t size, uint64_t chunk_size);
  const config& cfg() const { return cfg_; }
  // Data-port connections (mutations push and ask the primaries themselves: file_mutator).
  net::conn_pool& data_pool() { return *pool_; }
  // --stale-ok: ls, stat and the layouts of get may be answered by a standby master from its
  // copy of the metadata (core/master/stale_reads.hpp), at most the replication lag behind.
  void set_stale_ok(bool on) { stale_ok_ = on; }
  bool stale_ok() const { return stale_ok_; }
  const actor_system_ref& system() const { return sys_; }
  // The master asked last: after a request returned, the (active) master that answered it.
  // master.address as written with one master.
  std::string master_address() const {
    return cfg_.cluster.masters.empty() && finder_.single() ? cfg_.master.address
                                                            : finder_.current().to_string();
  }

 private:
  // `ask()` again every `pause` while the master answers busy, for at most `patience`.
  template <class F>
  static auto while_busy(std::chrono::milliseconds patience, std::chrono::milliseconds pause,
                         F ask) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      try {
        return ask();
      } catch (const storage_error& e) {
        if (e.code != master::errc::busy || std::chrono::steady_clock::now() > deadline) throw;
        std::this_thread::sleep_for(pause);
      }
    }
  }
  // snapshot and cp: asked again while the master answers busy (a lease on a chunk to share).
  ns_reply share(ns_request req);
  // One plan request; a master that answers busy (it started a moment ago and its
  // chunkservers are still registering) is asked again until client.timeout_ms.
  put_plan ask_plan(const put_request& req);
  // One request to the master, asked again (same request) with backoff on a timeout, a lost
  // connection or a master without its role yet, all within client.timeout_ms. With several
  // masters (cluster.masters) each failure, and a standby's not_leader answer, moves to the
  // next candidate (the active master the standby named, if it named one).
  // `first_attempt` (0: the usual): a request the master may hold that long before answering.
  template <class Reply, class Atom, class Req>
  Reply call(Atom atom, const Req& req,
             std::chrono::milliseconds first_attempt = std::chrono::milliseconds(0));
  ns_reply layout(const std::string& remote, uint64_t version);
  // A file of 1..master.inline_max_bytes bytes committed with its bytes in the namespace
  // (core/master/records.hpp version_info::inline_data): one request, no chunkserver.
  // nullopt: not for this file, or the master refused (inline_refused): put it as chunks.
  std::optional<ns_version> put_inline(std::string_view data, const std::string& remote,
                                       uint64_t chunk_size, uint64_t base_version);
  ns_version put_chunks(const put_plan& plan, const std::string& remote,
                        const std::function<std::string(size_t)>& chunk_bytes,
                        transfer_progress* progress, uint64_t base_version = 0,
                        uint64_t materialize_version = 0);
  // The chunk's bytes into `buf`, whose capacity is reused (read_layout hands delivered
  // chunks' buffers back: no fresh pages to fault in and clear for each 64 MiB chunk).
  void fetch_chunk(const ns_chunk& c, size_t index, std::string& buf);

  actor_system_ref sys_;
  config cfg_;
  token_source act_as_;
  master::master_finder finder_;  // which of config::master_endpoints() to ask
  active_master_memo memo_;       // the one that answered last, also in earlier processes
  // The control port, for what the request port cannot carry (actor_system_ref: in this
  // process, or the lean CLI's helper process).
  std::unique_ptr<master_fallback> fallback_;
  std::unique_ptr<net::conn_pool> pool_;  // data-port connections, shared by worker threads
  // The masters' request ports (client/request_link.hpp); null when acting for another
  // caller (act_as: its token, not our certificate, must speak) or DFS_NO_REQUEST_PORT is set.
  std::unique_ptr<request_link> requests_;
  struct cached {
    ns_reply reply;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::pair<std::string, uint64_t>, cached> layout_cache_;  // fresh layouts only
  bool stale_ok_ = false;
  // Where this client starts in a chunk's replica list: random, so that many readers of one
  // (hot) chunk spread over all its replicas instead of all picking the first.
  size_t read_offset_ = std::random_device{}();
  // Planned single chunks for small puts, by requested chunk size (0 = the master's default).
  // A client that keeps putting small files asks the master for 2, 4 ... max_reserved_chunks
  // chains at a time instead of one request per file; handles it never uses are abandoned by
  // the master after their grace, like those of a failed put, and their chunks never exist.
  static constexpr uint32_t max_reserved_chunks = 32;
  struct reservation {
    uint64_t chunk_size_bytes = 0;  // learnt from the first plan; 0 = not known yet
    uint32_t batch = 2;
    uint32_t write_quorum = 0;
    std::deque<ns_chunk> chunks;
    std::chrono::steady_clock::time_point at;
  };
  std::map<uint64_t, reservation> reservations_;
  // When the master last refused to store a small file inline; not asked again for a minute.
  std::optional<std::chrono::steady_clock::time_point> inline_refused_at_;
  static constexpr std::chrono::seconds inline_retry_after{60};
};

}  // namespace dfs
