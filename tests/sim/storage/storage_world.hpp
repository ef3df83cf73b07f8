#pragma once
// A simulated storage cluster: the real master::master_core and N chunkserver::master_link
// cores, chunk stores and clients over the seeded sim_network, with simulated disks.
//
// - The master's disk keeps a checkpoint and the records written; records are durable only
//   once their fsync completes (a random delay after the write). A crash keeps a random prefix
//   of the unsynced records (a torn tail) and loses the rest; the master restarts from the disk.
// - A chunkserver's chunk files are durable when its store answers a push (tmp + fsync +
//   rename in the real store); a crash loses pending state, never a stored chunk.
// - Clients run random puts (0-4 chunks of 1 KiB), gets, removes and mkdirs on a few paths,
//   one at a time, with timeouts; the data of a put goes to every replica of its plan. They
//   also copy (cp) those files to a few copy paths, which are read and never removed, and ask
//   again with the same request number after a timeout.
// - Faults at random steps: crash and restart of the master and of chunkservers, message loss,
//   duplication and reordering.
//
// Invariants, checked after every step (the first violation stops the run):
//   acked_version_kept   an acknowledged (or read) version is in the master's state (unless a
//   remove of
//                        its path may have been applied after it, or max_versions newer versions
//                        exist)
//   reads_exact          a get returns exactly the bytes of one whole put of that path, and of
//                        the acknowledged put when its version was acknowledged
//   no_partial_version   a layout lists every chunk of its version
//   chunks_kept          every chunk of every version the master holds is on at least one
//                        chunkserver disk (of the right size; the right bytes for acknowledged
//                        versions): no chunk is freed while a live version references it
//   replay_equal         an idle master's state equals the replay of its disk (the request
//                        table included)
//   applied_once         a commit the client retried (same client id and request number,
//                        after a timeout: lost request, lost reply, master crash) is one
//                        version, never two: no two versions of a path list the same chunks
//   stat_fresh           a stat, from a directory lease or the master, shows no version older
//                        than one whose commit was acknowledged before the stat started
//   copies               a get of a copy path returns exactly one whole put of some file; an
//                        acknowledged (or read) copy is kept (unless max_versions newer exist);
//                        a copy path has no more versions than copy requests were sent to it
//                        (a retried copy is applied once). chunks_kept covers the shared chunks:
//                        a chunk stays while a copy or its source references it.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/chunkserver/master_link.hpp"
#include "core/master/master_core.hpp"
#include "sim/common/sim_network.hpp"

namespace dfs::sim::storage_world {

using core::time_point;
using std::chrono::milliseconds;

struct world_options {
  size_t chunkservers = 4;
  size_t clients = 3;
  size_t paths = 4;
  size_t copy_paths = 2;  // /c0, /c1: cp targets, never removed
  uint32_t replication = 3;
  uint32_t write_quorum = 2;
  uint32_t max_versions = 3;
  double loss = 0.02;
  double duplicate = 0.02;
  milliseconds max_delay{5};
  milliseconds duration{20000};  // virtual time of the chaos phase
  double master_crashes_per_s = 0.3;
  double chunkserver_crashes_per_s = 0.3;
  uint64_t checkpoint_bytes = 4096;  // small: checkpoints happen during a run
};

// -- messages on the simulated network --------------------------------------------------------

struct push_msg {  // client -> chunkserver: the whole chunk
  uint64_t handle = 0, chunk_version = 0;
  std::string bytes;
};
struct push_reply_msg {
  bool ok = false;
};
struct read_msg {
  uint64_t handle = 0;
};
struct read_reply_msg {
  bool ok = false;
  std::string bytes;
};

using body = std::variant<ns_request, layout_request, ns_reply, put_request, put_plan, put_commit,
                          chunkserver_registration, registration_ack, chunkserver_heartbeat,
                          heartbeat_reply, push_msg, push_reply_msg, read_msg, read_reply_msg>;

struct message {
  uint64_t rid = 0;  // request id: a reply carries its request's
  body b;
};

using addr = uint32_t;  // 0 = master, 1..N chunkservers, 1000+j clients

class world {
 public:
  world(uint64_t seed, world_options opts);

  // Chaos for opts.duration, then a quiet phase with every node up and no loss, so that
  // clients finish their last operations; every invariant is checked after every step.
  void run();

  const std::string& failure() const { return failure_; }
  std::string summary() const;
  struct coverage {
    uint64_t puts_acked = 0, puts_failed = 0, gets_ok = 0, removes_acked = 0;
    uint64_t master_crashes = 0, chunkserver_crashes = 0, torn_records = 0, checkpoints = 0;
    uint64_t replay_checks = 0, steps = 0;
    uint64_t commit_retries = 0;  // commits sent again with the same request number
    uint64_t inline_puts = 0;     // puts of small files with their bytes in the commit
    uint64_t stats_cached = 0;    // stats answered from a directory lease
    uint64_t stats_asked = 0;     // stats answered by the master
    uint64_t copies_acked = 0;    // cp answered with a version
    uint64_t copy_retries = 0;    // cp sent again with the same request number
    uint64_t copy_gets = 0;       // gets of a copy path that read every chunk
  };
  const coverage& covered() const { return cov_; }

 private:
  struct disk {
    std::optional<master::master_snapshot> checkpoint;
    std::vector<master::log_record> synced;
    std::vector<master::log_record> unsynced;  // written, fsync not completed
    uint64_t log_bytes = 0;
    uint64_t changes = 0;  // bumped on every change of the durable part
  };
  struct master_node {
    bool up = true;
    uint64_t incarnation = 1;
    std::unique_ptr<master::master_core> core;
    disk d;
    std::map<master::request_token, std::pair<addr, uint64_t>> waiting;  // -> client, rid
    master::request_token next_token = 1;
    std::optional<uint64_t> fsync_batch;  // in flight
    uint64_t replayed_changes = ~0ull;    // the disk the last replay check saw
  };
  struct stored_chunk {
    uint64_t version = 0;
    std::string bytes;
  };
  struct chunkserver_node {
    bool up = true;
    uint64_t incarnation = 1;
    std::unique_ptr<chunkserver::master_link> link;
    std::map<uint64_t, stored_chunk> chunks;  // the disk: survives crashes
    std::map<uint64_t, chunk_report> added;   // change log for the next heartbeat
    std::set<uint64_t> removed;
    uint64_t pending_rid = 0;  // registration or heartbeat in flight
    std::vector<chunk_report> hb_added;
    std::vector<uint64_t> hb_removed;
  };
  enum class op_kind {
    idle,
    put_plan,
    put_push,
    put_commit,
    get_layout,
    get_read,
    remove,
    mkdir,
    stat,
    copy
  };
  // A directory lease as the client keeps it (client/dir_lease_cache.hpp): the newest version
  // of each entry of "/" until the lease ends here.
  struct dir_lease {
    time_point until{};
    std::map<std::string, uint64_t> newest;
  };
  struct client_node {
    op_kind op = op_kind::idle;
    uint64_t rid = 0;
    time_point deadline{};
    time_point next_op{};
    uint64_t ops = 0;
    std::string path;
    std::string content;  // put: what is written; get: what was read so far
    put_plan plan;
    std::map<uint64_t, std::set<uint32_t>> stored;  // put: chunk index -> replicas that stored
    size_t pushes_out = 0;
    ns_reply layout;
    size_t chunk = 0, replica = 0;   // get: position
    time_point commit_sent{};        // the first attempt's
    put_commit commit;               // sent again, unchanged, after a timeout
    uint32_t tries = 0;              // of the commit or copy in flight
    ns_request copy;                 // cp: sent again, unchanged, after a timeout
    uint64_t requests = 0;           // request numbers used
    time_point get_started{};        // a get compares with puts acknowledged before it started
    std::optional<dir_lease> lease;  // forgotten around every change this client makes
  };
  enum class timer_kind {
    master_tick,
    master_flush,
    master_fsync,
    cs_connect,
    cs_tick,
    cs_rpc_timeout,
    master_wake  // answers held for directory leases are due
  };
  struct timer {
    time_point at;
    uint64_t seq;
    timer_kind kind;
    addr node;
    uint64_t arg;
    uint64_t incarnation;
    bool operator>(const timer& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  // -- driving ----------------------------------------------------------------------------------
  void step_until(time_point end, bool chaos);
  void schedule(milliseconds after, timer_kind k, addr node, uint64_t arg = 0);
  void fire(const timer& t);
  void deliver(addr from, addr to, const message& m);
  void send(addr from, addr to, uint64_t rid, body b);
  void inject_faults();

  // -- master ---------------------------------------------------------------------------------
  void start_master();
  void crash_master();
  void master_receive(addr from, const message& m);
  void master_effects(master::master_effects fx);
  void master_flush();
  void master_fsync_done(uint64_t batch_id);
  node_id master_id() const { return node_id{"master", 0, master_.incarnation}; }

  // -- chunkservers -----------------------------------------------------------------------------
  void start_chunkserver(addr a);
  void crash_chunkserver(addr a);
  void chunkserver_receive(addr a, addr from, const message& m);
  void link_effects(addr a, chunkserver::link_effects fx);
  node_id chunkserver_id(addr a) const;

  // -- clients ----------------------------------------------------------------------------------
  void client_step(addr c);
  void client_receive(addr c, const message& m);
  void client_timeout(addr c);
  void finish(client_node& cl);
  void start_get_read(addr c);
  void commit_put(addr c);
  void send_commit(addr c, put_commit commit);  // put_commit with a request id, awaited
  void resend(addr c);                          // the commit or copy in flight, unchanged
  void start_copy(addr c);
  // stat_fresh: a stat (from a lease or the master) shows no version older than one whose
  // commit was acknowledged before the stat started (unless a remove may have come since).
  void observe_stat(addr c, uint64_t newest);

  // -- invariants -------------------------------------------------------------------------------
  void check();
  void check_all_chunks_held();
  void check_applied_once();
  void fail(const std::string& what);
  std::string content_for(addr c, uint64_t op, size_t size);

  world_options opts_;
  std::mt19937_64 rng_;
  sim_network<addr, message> net_;
  time_point now_{};
  uint64_t timer_seq_ = 0;
  uint64_t next_rid_ = 1;
  std::priority_queue<timer, std::vector<timer>, std::greater<timer>> timers_;
  master_node master_;
  std::map<addr, chunkserver_node> servers_;
  std::map<addr, client_node> clients_;

  // The oracle: what clients were told, and what they tried. The master applies a request when
  // it arrives, so a remove sent before a commit minus the largest network delay was applied
  // (if at all) before that commit; any later remove may have removed the committed version.
  bool removed_since(const std::string& path, time_point commit_sent) const;
  struct acked_version {
    std::string bytes;
    time_point commit_sent;  // a remove sent before this minus the network delay came first
    time_point acked_at;
    // When its commit was acknowledged (a get may read a version whose commit is not yet).
    std::optional<time_point> commit_acked;
  };
  std::map<std::string, std::map<uint64_t, acked_version>> acked_;  // path -> version -> put
  std::map<std::string, std::set<std::string>> attempted_;          // path -> contents put
  std::map<std::string, time_point> remove_sent_;                   // path -> last rm sent
  std::set<std::string> attempted_files_;             // every content put to any /f path
  std::map<std::string, std::set<uint64_t>> copies_;  // copy path -> versions acked or read
  std::map<std::string, uint64_t> copy_requests_;     // copy path -> distinct requests sent

  uint64_t deletions_ = 0;          // chunk deletes carried out so far
  uint64_t deletions_checked_ = 0;  // ... as of the last chunks_kept sweep

  std::string failure_;
  coverage cov_;
};

}  // namespace dfs::sim::storage_world
