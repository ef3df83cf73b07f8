#include "core/master/capabilities.hpp"

#include <gtest/gtest.h>

#include "core/security/capability.hpp"

using namespace dfs;
using dfs::security::capability_op;

namespace {

const std::string key = security::capability_key("secret");
constexpr uint64_t now_ms = 1'700'000'000'000;

replica_addr at(const std::string& host, uint16_t port) {
  return {node_id{host, static_cast<uint16_t>(port - 1), 1}, port};
}

}  // namespace

TEST(Capabilities, EveryPlannedChunkGetsAWriteTokenNamingItsChain) {
  put_plan p;
  p.chunks.push_back({10, 1, 100, 0, {at("10.0.0.1", 17001), at("10.0.0.2", 17011)}, {}});
  p.chunks.push_back({11, 1, 50, 0, {at("10.0.0.3", 17021)}, {}});
  master::grant_writes(p, key, now_ms + 1000);
  for (auto& c : p.chunks) {
    auto cap = security::verify_capability(c.token, key, now_ms);
    ASSERT_TRUE(cap) << cap.err().message;
    EXPECT_EQ(cap->op, capability_op::write);
    EXPECT_EQ(cap->handle, c.handle);
    EXPECT_EQ(cap->chunk_version, c.chunk_version);
    EXPECT_EQ(cap->expiry_ms, now_ms + 1000);
    ASSERT_EQ(cap->chain.size(), c.replicas.size());
    for (size_t i = 0; i < c.replicas.size(); ++i)
      EXPECT_EQ(cap->chain[i], master::data_endpoint(c.replicas[i]));
  }
  EXPECT_EQ(master::data_endpoint(p.chunks[0].replicas[1]), "10.0.0.2:17011");
}

TEST(Capabilities, EveryLaidOutChunkGetsAReadTokenForItsHandleOnly) {
  ns_reply r;
  r.chunks.push_back({20, 3, 100, 0, {at("10.0.0.1", 17001)}, {}});
  r.chunks.push_back({21, 3, 100, 0, {}, {}});
  master::grant_reads(r, key, now_ms + 5);
  for (auto& c : r.chunks) {
    auto cap = security::check_read(security::verify_capability(c.token, key, now_ms), c.handle);
    ASSERT_TRUE(cap) << cap.err().message;
    EXPECT_EQ(cap->chunk_version, 3u);
    EXPECT_TRUE(cap->chain.empty());
  }
  EXPECT_FALSE(security::check_read(security::verify_capability(r.chunks[0].token, key, now_ms),
                                    r.chunks[1].handle));
}
