#pragma once
// The master's Prometheus metrics (issue 16 item 4). Operations are counted as the master actor
// receives them; the gauges are copied from the master core by the actor itself on its tick
// (`refresh`), because only the actor may read the core. A scrape therefore sees figures at most
// one refresh old.
#include <cstdint>

#include "net/metrics.hpp"

namespace dfs {

struct master_state;

class master_metrics {
 public:
  explicit master_metrics(net::metrics& m);

  // One client or chunkserver request, by kind: "mkdir", "ls", ..., "put", "commit",
  // "heartbeat" (dfs_master_ops_total{op}). `op` comes from a fixed set, never from input.
  void count_op(const char* op);
  // A read the request port answered between the actor's messages (master_reads.hpp).
  void count_port_read() { port_reads_->Increment(); }
  void count_port_write() { port_writes_->Increment(); }
  // Gauges from the core; repair copies as counters (they only grow in the core).
  void refresh(const master_state& st);

 private:
  prometheus::Family<prometheus::Counter>* ops_;
  prometheus::Counter* port_reads_ = nullptr;
  prometheus::Counter* port_writes_ = nullptr;
  prometheus::Gauge* files_;
  prometheus::Gauge* inline_bytes_;
  prometheus::Gauge* chunks_;
  prometheus::Gauge* under_;
  prometheus::Family<prometheus::Gauge>* servers_;
  net::counter_mark repair_done_, repair_failed_;  // the repair queue's cumulative counts
};

}  // namespace dfs
