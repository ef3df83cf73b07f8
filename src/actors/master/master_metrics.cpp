#include "actors/master/master_metrics.hpp"

#include "actors/master/master_actor.hpp"

namespace dfs {

master_metrics::master_metrics(net::metrics& m) {
  ops_ = &m.counter("dfs_master_ops_total", "Requests the master received, by operation");
  port_reads_ = &m.counter("dfs_master_port_reads_total",
                           "Reads the request port answered between the master actor's "
                           "messages, without its mailbox")
                     .Add({});
  port_writes_ = &m.counter("dfs_master_port_writes_total",
                            "Mutations the request port applied and logged between the master "
                            "actor's messages, without its mailbox")
                      .Add({});
  files_ = &m.gauge("dfs_master_files", "Files in the namespace").Add({});
  chunks_ = &m.gauge("dfs_master_chunks", "Chunks the master knows").Add({});
  inline_bytes_ = &m.gauge("dfs_master_inline_bytes",
                           "Bytes of small files kept in the namespace (every version and trash "
                           "entry), against master.inline_budget_mib")
                       .Add({});
  under_ = &m.gauge("dfs_master_under_replicated_chunks",
                    "Chunks with fewer replicas than quorum.replication")
                .Add({});
  servers_ = &m.gauge("dfs_master_chunkservers", "Registered chunkservers by state");
  auto& repair = m.counter("dfs_master_repair_copies_total",
                           "Re-replication copies finished, by result (done, failed)");
  repair_done_.counter = &repair.Add({{"result", "done"}});
  repair_failed_.counter = &repair.Add({{"result", "failed"}});
}

void master_metrics::count_op(const char* op) {
  ops_->Add({{"op", op}}).Increment();
}

void master_metrics::refresh(const master_state& st) {
  const auto& meta = st.core->meta();
  files_->Set(static_cast<double>(meta.file_count()));
  chunks_->Set(static_cast<double>(meta.chunks().chunks().size()));
  inline_bytes_->Set(static_cast<double>(meta.inline_bytes()));
  under_->Set(static_cast<double>(meta.under_replicated_count()));
  for (auto h : {registry::health::healthy, registry::health::unhealthy, registry::health::removed})
    servers_->Add({{"state", registry::to_string(h)}})
        .Set(static_cast<double>(st.core->registry().count(h)));
  const auto& s = st.core->repair().stats;
  repair_done_.advance(s.done);
  repair_failed_.advance(s.failed);
}

}  // namespace dfs
