#pragma once
// The node's configuration: TOML file + `--set section.key=value` overrides, validated once
// into an immutable `config` before anything starts (style.md: parse, validate, then run).
// Every key is declared once in config.cpp's schema; config/reference.toml documents them all
// and a unit test keeps the two in step.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/node_id.hpp"
#include "common/ports.hpp"

namespace dfs {

struct node_section {
  std::string host = "127.0.0.1";  // address to bind and to advertise
  uint16_t port = 17000;  // control TCP and gossip UDP; data = +1, multicast = +2, http = +3
  std::string data_dir = "./data";
};

struct cluster_section {
  std::string name = "dfs";
  std::string key;       // shared secret of the servers: UDP packet HMACs, control and data tokens
  std::string key_file;  // or a file holding it (read at load, so it is not on a command line)
  std::vector<std::string> introducers;  // HOST:PORT of introducers (control ports)
  // HOST:PORT control addresses of every master when master.replicas > 1 (issue 15): they
  // replicate the metadata log; clients and chunkservers find the active one among them.
  std::vector<std::string> masters;
  // "static": clients use master.address and client.fileservers. "multicast": servers answer
  // discovery probes on multicast_group, and clients find the master and fileservers there.
  std::string discovery = "static";
  std::string multicast_group = "239.255.70.70:17099";  // IPv4 multicast HOST:PORT
  // Signs discovery packets (HMAC-SHA256); servers and clients hold it (clients never hold
  // cluster.key). Required with discovery = multicast.
  std::string discovery_key;
};

struct log_section {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  bool console = true;
  uint64_t file_max_bytes = 10 * 1024 * 1024;
  uint32_t file_count = 3;
};

struct caf_section {
  uint32_t threads = 0;                  // 0: by role, scheduler_threads()
  std::string policy = "sharing";        // stealing | sharing
  uint32_t heartbeat_interval_ms = 500;  // middleman heartbeats detect hung peers
  uint32_t connection_timeout_ms = 3000;
};

struct master_section {
  std::string address = "127.0.0.1:17010";   // control address of the master
  uint32_t unhealthy_after_ms = 3000;        // no heartbeat for this long -> unhealthy
  uint32_t removed_after_ms = 10000;         // no heartbeat for this long -> removed
  uint64_t chunk_size_bytes = 64ull << 20;   // cluster default; a put may override it
  uint32_t max_versions = 5;                 // versions kept per file
  uint32_t checkpoint_interval_ms = 600000;  // checkpoint at least this often (if changed)
  uint64_t checkpoint_bytes = 64ull << 20;   // ... or once the log grows past this
  uint32_t handle_grace_ms = 600000;         // allocated handles live this long uncommitted
  uint32_t capability_ttl_ms = 300000;       // a plan's or layout's chunk tokens expire then
  uint32_t trash_ttl_s = 86400;              // rm keeps a file in the trash this long
  uint32_t dir_lease_ms = 500;  // a client may answer stats of a directory itself this long
  uint32_t request_results_per_client = 256;  // results of retried mutations kept per client
  uint32_t request_clients = 4096;            // clients whose results are kept (LRU beyond)
  // Files of at most this many bytes are kept in the namespace itself, not in chunks (0: never)
  uint32_t inline_max_bytes = 4096;
  uint32_t inline_budget_mib = 256;  // ... up to this much of them over all versions kept
  // Replicated masters (src/core/replog): 1 = one master, its own journal. More: the masters
  // of cluster.masters keep the log on a majority of their disks; one is active.
  uint32_t replicas = 1;
  // The cluster's very first start of replicated masters: an empty data dir founds the group
  // (README "Three masters"). Never set it when a master's disk was wiped or replaced.
  bool bootstrap = false;
  uint32_t election_timeout_ms = 1000;  // a standby hearing no active master this long takes over
  uint32_t replication_heartbeat_ms = 100;  // the active master's heartbeat to the standbys
  // A standby serves --stale-ok reads only while it heard from an active master this recently.
  uint32_t stale_read_max_ms = 10000;
};

struct quorum_section {
  uint32_t replication = 3;  // replicas per chunk
  uint32_t write = 2;        // a put succeeds once every chunk is durable on W replicas
  uint32_t read = 2;         // replicas asked for (version, checksum) before a read
};

struct chunkserver_section {
  uint32_t heartbeat_interval_ms = 1000;
  uint64_t capacity_bytes = 0;       // 0: the size of the file system holding data_dir/chunks
  uint32_t pending_ttl_ms = 600000;  // pushed, never finalized data expires
  uint64_t max_pending_bytes = 2ull << 30;             // bound on pushed, not yet finalized data
  uint64_t max_pending_bytes_per_conn = 256ull << 20;  // the same bound per data connection
  uint32_t scrub_mib_s = 32;       // background verification of every replica, MiB/s
  uint32_t scrub_interval_h = 24;  // one full pass per this many hours (0: back to back)
  std::string zone;                // failure domain for placement (empty: none)
  // Hand chunk files to local readers of this host and user (net/local_reads.hpp).
  bool local_reads = true;
};

struct client_section {
  uint32_t timeout_ms = 5000;
  std::vector<std::string> fileservers;  // HOST:PORT control addresses
  uint32_t cache_ttl_ms = 2000;          // metadata cached by a client this long
  uint32_t window_chunks = 4;            // chunks in flight per transfer
  // Metadata and queue requests through the nodes' request ports (node.port + 4), CAF's
  // control port only where they cannot go; false: CAF for everything (to compare).
  bool request_port = true;
  // Read sealed chunks of a chunkserver on this host from its files (net/local_reads.hpp).
  bool local_reads = true;
  // TLS sessions kept between commands, to resume instead of a full handshake
  // (net/tls_sessions.hpp): "" = $XDG_RUNTIME_DIR/dfsnode-tls-sessions if set, "off" = none.
  std::string tls_session_dir;
};

struct membership_section {
  uint32_t protocol_period_ms = 150;  // one probe per period
  uint32_t probe_timeout_ms = 60;     // then ping-req through helpers
  uint32_t indirect_probes = 3;
  uint32_t suspicion_min_ms = 500;
  uint32_t suspicion_max_ms = 3000;
  uint32_t gossip_interval_ms = 200;
  uint32_t gossip_fanout = 3;
  uint32_t push_pull_interval_ms = 10000;
};

// Total-order multicast group of the fileservers (FTQueue), see src/actors/gcs/README.md.
struct gcs_section {
  uint32_t expected_group_size = 3;  // fileservers of the cluster's first start (genesis rule)
  uint32_t tick_interval_ms = 5;     // protocol timer resolution
  uint32_t status_interval_ms = 20;  // heartbeat when all is delivered (else nack_interval_ms)
  uint32_t nack_interval_ms = 5;     // minimum time between NACK rounds
  uint32_t view_retry_ms = 50;       // resend view-change packets
  uint32_t view_timeout_ms = 600;    // coordinator drops silent members
  uint32_t suspect_after_ms = 400;   // a view member silent this long is left out (0: off)
  uint32_t max_order_batch = 32;     // message ids per ORDER
  uint32_t max_unstable_msgs = 1024;
  uint32_t max_queued_ops = 4096;
  // "disk": every delivered operation is in a local log (group-committed fsync) before this
  // member counts towards the majority that acknowledges it; a whole-group restart recovers.
  // "memory": nothing on disk (benchmarks, tests that say so).
  std::string durability = "disk";
  uint32_t checkpoint_every = 8192;  // log entries between two images (compaction)
  // Under continuous load the log's fsyncs start at least this far apart, so that each covers
  // more operations (storage/gcs_disk.hpp); 0: every batch at once.
  uint32_t sync_interval_us = 2000;
  // A member whose disk no majority needs (gcs::member::disk_spare: one of 3 fileservers, two
  // of 5) writes and fsyncs its log's appends this long after the first of a batch, not at once:
  // fewer fsyncs, each of which costs CPU. 0: at once, as the others.
  uint32_t spare_sync_us = 3000;
};

// Certificates of the cluster CA (dfsnode --role ca) for mutual TLS on control and data ports.
struct tls_section {
  std::string ca;    // PEM file of the cluster CA certificate
  std::string cert;  // this process's certificate (PEM), signed by the CA
  std::string key;   // its private key (PEM)
  bool data = true;  // TLS on the data port; false keeps capability tokens but sends plain TCP
  uint32_t token_ttl_s = 3600;  // lifetime of a login token handed to a client or admin
};

// Connection limits of the control and data ports (one host must not starve the others).
struct net_section {
  uint32_t idle_timeout_ms = 30000;       // a connection without traffic for this long is closed
  uint32_t handshake_timeout_ms = 10000;  // a connection must finish its TLS handshake in this time
  uint32_t max_conns_per_address = 64;    // per remote IP address, per port
  uint32_t max_conns = 2048;              // per port
};

// Re-replication of chunks below their replication (src/core/master/repair_planner.hpp).
struct repair_section {
  uint32_t max_copies_per_server = 4;  // copies in flight per chunkserver, as source or target
  uint32_t max_mib_s = 400;            // copies started per second overall (MiB)
  uint32_t delay_ms = 30000;           // an unhealthy (not dead) chunkserver is waited for
  uint32_t copy_timeout_ms = 120000;   // a copy that reports nothing by then has failed
};

// Dynamic replication of hot chunks (src/core/master/hot_chunks.hpp).
struct replicator_section {
  uint32_t hot_reads_per_s = 50;  // client reads of one chunk per second that make it hot
  uint32_t max_replicas = 5;      // replicas of a hot chunk
  uint32_t cool_down_s = 60;      // not hot for this long: back to quorum.replication
};

// Moving replicas from full chunkservers to empty ones.
struct balance_section {
  uint32_t threshold_pct = 10;  // usage difference (points) that starts moves; 100: never
};

// Chunk leases (src/core/master/lease_table.hpp, README "Leases"): at most one primary per
// chunk at any time, provided every node's clock rate stays within max_drift_ppm of real time.
struct lease_section {
  uint32_t duration_ms = 60000;       // a grant or renewal lasts this long (master's clock)
  uint32_t max_drift_ppm = 1000;      // clock rate bound: the master waits duration × this
                                      // longer before a new grant; primaries stop that early
  uint32_t offer_timeout_ms = 10000;  // a grant its primary never took is dropped after this
};

// File locks (src/core/master/lock_table.hpp, README "File locks"): soft state on the active
// master, held by a client that renews them every ttl/3.
struct lock_section {
  uint32_t default_ttl_ms = 30000;  // a client's `lock` without --ttl
  uint32_t max_ttl_ms = 600000;     // the master refuses a longer ttl
};

// The fileservers' HTTP gateway on node.port + 3 (net/http_server.hpp, client/gateway_backend).
struct gateway_section {
  bool enabled = true;
  bool tls = true;  // HTTPS with the node's certificate (client certificates optional)
  uint32_t max_conns = 256;
  uint32_t workers = 8;                    // requests served at once; more wait for a worker
  uint32_t idle_timeout_ms = 30000;        // every read and write, and a whole request header
  uint32_t max_header_bytes = 16384;       // a longer request header gets 431
  uint64_t max_upload_bytes = 1ull << 40;  // a longer body gets 413
  uint32_t window_chunks = 2;              // chunks in memory per transfer
  bool redirect = false;  // GET: 307 to the gateway on the host holding the most chunks
};

// Test-only fault points (style.md "faults"): inert unless set.
struct fault_section {
  // The master _exits right after a batch holding a client's mutation of this kind ("commit",
  // "mkdir", "rm", "mv", "undelete", "purge", "any") is durable, before answering it. A
  // chunkserver, as the primary of a client's "append" or "write", once it is durable on every
  // replica, before answering it.
  std::string crash_after_log;
};

struct config {
  node_section node;
  cluster_section cluster;
  log_section log;
  caf_section caf;
  master_section master;
  chunkserver_section chunkserver;
  client_section client;
  gcs_section gcs;
  quorum_section quorum;
  membership_section membership;
  tls_section tls;
  net_section net;
  repair_section repair;
  replicator_section replicator;
  balance_section balance;
  lease_section lease;
  lock_section lock;
  gateway_section gateway;
  fault_section fault;

  uint16_t control_port() const { return node.port; }
  // CAF scheduler threads for a process with `roles` (empty: a tool): caf.threads when set;
  // otherwise 1 for a node whose roles are all fileserver or introducer, else 2. A fileserver's
  // work is one sequencer actor fed by its socket, disk and request-port threads: a second
  // worker only adds wake-ups between the two (3 fileservers on 2 cores, ftqueue bench, medians
  // of 3 alternated runs, ops/s at 1 / 8 / 32 clients, two threads -> one: disk 1,621 / 5,777 /
  // 15,420 -> 1,810 / 6,170 / 16,868; memory 2,841 / 10,417 / 25,267 -> 3,260 / 12,096 /
  // 28,065). Masters and chunkservers keep 2: with 1, a 256 MiB put fell from 208/219 to
  // 132/149 MiB/s.
  uint32_t scheduler_threads(const std::vector<std::string>& roles) const;
  // The masters a client or chunkserver may ask: cluster.masters, else master.address alone.
  std::vector<endpoint> master_endpoints() const;
  bool replicated_masters() const { return master.replicas > 1; }
  uint16_t data_port() const { return data_port_of(node.port); }
  uint16_t multicast_port() const { return multicast_port_of(node.port); }
  uint16_t http_port() const { return http_port_of(node.port); }
  uint16_t request_port() const { return request_port_of(node.port); }
  // Per read/write on a data-port connection, both ends: a 1 MiB frame over a slow or busy
  // link takes far longer than a control request.
  uint32_t data_io_timeout_ms() const { return client.timeout_ms * 6; }
};

// Thrown by the loader; what() is one line naming the file and key.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Loads `path` (empty: defaults only), applies `overrides` ("section.key=value", value in TOML
// syntax or a bare string), validates. Throws config_error.
config load_config(const std::string& path, const std::vector<std::string>& overrides);

// Parses TOML text as if read from `origin` (used by tests and load_config).
config parse_config(const std::string& toml_text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});

// "64MiB", "1KiB", "4096", "1.5GiB" (units B, KiB, MiB, GiB, KB, MB, GB, K, M, G) -> bytes;
// nullopt for anything else.
std::optional<uint64_t> parse_size(const std::string& text);

// All keys of the schema as "section.key", in declaration order.
std::vector<std::string> config_keys();

// The value of `key` in `cfg` as a TOML literal ("17000", "\"info\"", "[\"a\"]").
std::string config_value_literal(const config& cfg, const std::string& key);

}  // namespace dfs
