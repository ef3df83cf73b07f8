#pragma once
// A master_core with three chunkservers and /f (three chunks of 1 KiB, each on all three), for
// the tests of what shares chunks: snapshot, cp and copy-on-write.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/master/master_core.hpp"
#include "unit/master/core_driver.hpp"

namespace dfs::master::test {

inline const std::vector<uint16_t> ports = {17100, 17200, 17300};

inline core_options shared_chunks_options(uint32_t max_versions = 5) {
  using namespace std::chrono_literals;
  auto o = lease_test_options();
  o.meta.max_versions = max_versions;
  // No repair actor answers here: a grant on a chunk short of replicas does not wait for a
  // copy to be planned (MasterRepairHold tests that).
  o.repair_hold_plan = 0s;
  return o;
}

struct shared_chunks_cluster : core_driver {
  std::vector<uint64_t> handles;  // /f's chunks

  using core_driver::core_driver;

  std::vector<chunk_handle> chunks_of(uint64_t number, const std::string& path = "/f") const {
    auto vs = c.meta().versions(path, 100);
    if (!vs) return {};
    for (auto& v : *vs)
      if (v.number == number) return v.chunks;
    return {};
  }
  uint32_t refs(uint64_t h) const {
    auto* e = c.meta().chunks().find(chunk_handle{h});
    return e == nullptr ? 0 : e->refcount;
  }
  // The replay of the durable log gives the live state.
  void expect_replay_equal() {
    master_core replayed(c.options(), node_id{"127.0.0.1", 17000, 1});
    ASSERT_TRUE(replayed.recover({}, log, now).ok());
    EXPECT_EQ(replayed.meta().canonical_dump(), c.meta().canonical_dump());
  }
};

// Past the restart wait-out, so that leases are granted at once.
inline shared_chunks_cluster make_cluster(uint32_t max_versions = 5) {
  using namespace std::chrono_literals;
  auto opts = shared_chunks_options(max_versions);
  shared_chunks_cluster k(opts);
  k.start(ports);
  (void)k.c.on_put(1, {"/f", 2500, 0}, k.now);
  auto b = k.c.take_batch();
  k.log.insert(k.log.end(), b->records.begin(), b->records.end());
  auto plan = std::get<put_plan>(k.c.on_batch_durable(b->id, true, 10, k.now).replies.at(0).reply);
  for (auto& ch : plan.chunks) ch.crc32c = static_cast<uint32_t>(0xabc0 + ch.handle);
  (void)k.c.on_commit(2, {"/f", plan.chunk_size_bytes, plan.chunks}, k.now, 1000);
  k.flush();
  for (auto& ch : plan.chunks) k.handles.push_back(ch.handle);
  k.now += 10s + opts.lease.margin();
  return k;
}

inline const ns_reply* ns_of(const master_effects& fx, request_token t) {
  for (auto& r : fx.replies)
    if (r.token == t) return std::get_if<ns_reply>(&r.reply);
  return nullptr;
}

}  // namespace dfs::master::test
