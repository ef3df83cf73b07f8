#pragma once
// The chunkserver side of the data protocol (src/net/data_frame.hpp): serves one connection
// of the data port. Pushes are forwarded frame by frame to the next replica of the chain as
// they arrive (so the client sends each byte once) and kept pending in the store; finalize
// makes them durable here, then collects the downstream result, and answers with every
// replica that stored the chunk. Reads are verified per block by the store.
//
// Every request but list carries the master's capability token (core/security/capability.hpp)
// and is served only for the chunk and operation the token names; a push is forwarded only to
// replicas the token names. list needs an admin certificate.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "net/conn_pool.hpp"
#include "net/data_frame.hpp"
#include "net/local_reads.hpp"
#include "net/metrics.hpp"
#include "net/mutation_service.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

struct data_service_stats {
  std::atomic<uint64_t> bad_frames{0};
  std::atomic<uint64_t> pushes{0};
  std::atomic<uint64_t> reads{0};
  std::atomic<uint64_t> local_reads{0};  // chunk files handed to local readers (of reads)
  std::atomic<uint64_t> forbidden{0};    // requests without a valid capability or certificate
};

struct data_service_options {
  std::string self;  // "host:data_port", as the master names us in plans and tokens
  uint32_t cluster = 0;
  uint32_t timeout_ms = 30000;                         // per read/write to the next hop
  std::string capability_key;                          // security::capability_key(cluster.key)
  std::shared_ptr<net::tls_context> client_tls;        // to the next hop; null: plain TCP
  uint64_t max_pending_bytes_per_conn = 256ull << 20;  // a push declaring more is refused
  std::shared_ptr<net::metrics> metrics;               // null: no Prometheus counters
  // Writes and record appends (issue 13); null: mutation frames are refused.
  std::shared_ptr<mutation_service> mutations;
};

class data_service {
 public:
  data_service(std::shared_ptr<chunk_store> store, data_service_options opts);
  void serve(net::frame_conn& conn);
  // A local read (net/local_reads.hpp): the same checks as a network read, then the chunk's
  // file opened for the reader instead of its bytes.
  net::local_read_answer open_local(const net::read_msg& rq);
  const data_service_stats& stats() const { return stats_; }

 private:
  // `held`: a push of mutation data (hold_begin), kept for a write or append, not a new chunk.
  bool on_push(net::frame_conn& conn, const net::frame& begin, bool held);
  bool on_mutate(net::frame_conn& conn, const net::frame& f);
  // A frame from another replica of a chunk (mutation, ack, resend request, gone).
  template <class M, class Fn>
  bool on_peer(net::frame_conn& conn, const net::frame& f, const char* what, Fn deliver);
  bool on_read(net::frame_conn& conn, const net::frame& f);
  bool on_stat(net::frame_conn& conn, const net::frame& f);
  bool on_list(net::frame_conn& conn);
  void bad_frame(const std::string& why);
  // The read capability `token` grants for chunk `handle` (reads, stats, local reads).
  security::token_result<security::capability> read_capability(const std::string& token,
                                                               uint64_t handle) const;
  // The answer for a replica of version `have` to a reader of version `want`: stale.
  std::string stale_replica(uint64_t handle, uint64_t have, uint64_t want) const;
  // Answers a request that lacks the right to what it asks, and counts and logs it (sparingly).
  bool forbidden(net::frame_conn& conn, const std::string& what, const std::string& why);

  std::shared_ptr<chunk_store> store_;
  data_service_options opts_;
  net::conn_pool pool_;  // connections to the next hops of push chains
  data_service_stats stats_;
  // Prometheus counters (dfs_chunk_*), null without opts_.metrics.
  prometheus::Counter* writes_ = nullptr;
  prometheus::Counter* write_bytes_ = nullptr;
  prometheus::Counter* reads_ = nullptr;
  prometheus::Counter* read_bytes_ = nullptr;
  prometheus::Counter* local_reads_ = nullptr;
  prometheus::Counter* port_in_ = nullptr;  // dfs_port_bytes_total{port="data"}
  prometheus::Counter* port_out_ = nullptr;
};

}  // namespace dfs
