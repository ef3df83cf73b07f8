#pragma once
// A master_core driven as the master actor drives it, for the lease, copy-on-write and grow
// tests: every batch is made durable at once (and kept in `log`, for replay), chunkservers on
// 127.0.0.1 register and send heartbeats at the driver's clock `now`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/master/master_core.hpp"
#include "unit/master/test_util.hpp"

namespace dfs::master::test {

// Three replicas, writes on two, 1 KiB chunks, 10 s leases whose offers time out after 3 s.
inline core_options lease_test_options() {
  using namespace std::chrono_literals;
  core_options o;
  o.write_quorum = 2;
  o.meta.replication = 3;
  o.default_chunk_size_bytes = 1024;
  o.lease.duration = 10s;
  o.lease.max_drift_ppm = 10000;
  o.lease.offer_timeout = 3s;
  return o;
}

inline node_id cs(uint16_t port) {
  return node_id{"127.0.0.1", port, 1};
}

struct core_driver {
  master_core c;
  std::vector<log_record> log;  // every durable record, for replay
  core::time_point now = t0();

  explicit core_driver(core_options o) : c(o, node_id{"127.0.0.1", 17000, 1}) {}

  // Recovers an empty log and registers chunkservers at `ports` (data port: port + 1).
  void start(const std::vector<uint16_t>& ports) {
    EXPECT_TRUE(c.recover({}, {}, now).ok());
    for (uint16_t p : ports) {
      master_effects fx;
      (void)c.on_register({cs(p), static_cast<uint16_t>(p + 1), "", 1 << 30, 1 << 30, 0, {}}, now,
                          fx);
    }
  }
  // Makes every pending batch durable; the replies that released, and when answers held for
  // directory leases are due (wake_at).
  master_effects flush() {
    master_effects all;
    while (auto b = c.take_batch()) {
      log.insert(log.end(), b->records.begin(), b->records.end());
      auto fx = c.on_batch_durable(b->id, true, 10, now);
      all.replies.insert(all.replies.end(), fx.replies.begin(), fx.replies.end());
      if (fx.wake_at) all.wake_at = fx.wake_at;
    }
    return all;
  }
  // Puts `path` (one 100-byte chunk) through the master (request tokens t, t + 1); its handle.
  uint64_t put_one_chunk(const std::string& path, request_token t) {
    (void)c.on_put(t, {path, 100, 0}, now);
    auto b = c.take_batch();
    log.insert(log.end(), b->records.begin(), b->records.end());
    auto plan = std::get<put_plan>(c.on_batch_durable(b->id, true, 10, now).replies.at(0).reply);
    (void)c.on_commit(t + 1, {path, plan.chunk_size_bytes, plan.chunks}, now, 1000);
    flush();
    return plan.chunks.at(0).handle;
  }
  heartbeat_reply heartbeat(uint16_t port, std::vector<lease_claim> leases = {},
                            std::vector<chunk_report> added = {}, master_effects* out = nullptr) {
    chunkserver_heartbeat hb;
    hb.id = cs(port);
    hb.capacity_bytes = hb.free_bytes = 1 << 30;
    hb.added = std::move(added);
    hb.leases = std::move(leases);
    master_effects fx;
    auto r = c.on_heartbeat(hb, now, fx);
    if (out != nullptr) *out = std::move(fx);
    return r;
  }
};

inline const lease_reply* lease_of(const master_effects& fx, request_token t) {
  for (auto& r : fx.replies)
    if (r.token == t) return std::get_if<lease_reply>(&r.reply);
  return nullptr;
}

}  // namespace dfs::master::test
