// Storage messages (client <-> master, chunkserver <-> master) survive CAF's binary serializer
// field by field: every field is set to a non-default value and compared with operator==
// (core/master/messages.hpp), so a field missing from an inspect() fails here.
#include <caf/all.hpp>

#include <gtest/gtest.h>

#include "proto/interfaces.hpp"
#include "proto/registry.hpp"

using namespace dfs;

namespace {

template <class T>
T through_the_wire(const T& original) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  EXPECT_FALSE(sink(original));
  T copy{};
  caf::binary_deserializer source{nullptr, buf};
  EXPECT_FALSE(source(copy));
  EXPECT_EQ(source.remaining(), 0u);
  return copy;
}

#define EXPECT_ROUNDTRIP(msg)                                      \
  do {                                                             \
    auto original_ = (msg);                                        \
    EXPECT_TRUE(through_the_wire(original_) == original_) << #msg; \
  } while (false)

node_id nid(uint16_t port) {
  return node_id{"10.1.2.3", port, 1719000000000ull + port};
}

ns_chunk chunk() {
  return {
      0x1234567890abcdefull,    7, 65536, 0xdeadbeef, {{nid(17100), 17101}, {nid(17200), 17201}},
      std::string("tok\0en", 6)};
}

TEST(StorageMessages, ClientToMasterRoundTripFieldByField) {
  EXPECT_ROUNDTRIP((ns_request{ns_op::remove, "/a/b", ""}));
  EXPECT_ROUNDTRIP((ns_request{ns_op::rename, "/a/b", "/c/d"}));
  EXPECT_ROUNDTRIP((versions_request{"/a/b", 17}));
  EXPECT_ROUNDTRIP((layout_request{"/a/b", 42}));
  EXPECT_ROUNDTRIP((put_request{"/a/b", 1ull << 33, 1 << 20}));
  EXPECT_ROUNDTRIP((put_commit{"/a/b", 4096, {chunk(), chunk()}, 7}));
  // Request ids of mutations (retries never apply twice): every field set, so a field dropped
  // from an inspect() comes back 0 and fails.
  EXPECT_ROUNDTRIP((ns_request{ns_op::mkdir, "/a/b", "", 0xfeedfacecafebeefull, 42}));
  EXPECT_ROUNDTRIP((trash_request{trash_op::undelete, "/a", "/b", 0xfeedfacecafebeefull, 43}));
  EXPECT_ROUNDTRIP((put_commit{"/a/b", 4096, {chunk()}, 7, 0xfeedfacecafebeefull, 44}));
  EXPECT_ROUNDTRIP((put_plan{ns_status::no_servers, "two few", 4096, 2, {chunk()}}));
  EXPECT_ROUNDTRIP((ns_reply{ns_status::not_found,
                             "no such file",
                             {{"b", true, 5, 6, 7, 8}},
                             {{3, 1719000000123ull, 99, 4096, 1}},
                             {chunk()}}));
}

// The master's status section, asked by a fileserver for its status page.
TEST(StorageMessages, StatusReplyRoundTripFieldByField) {
  status::master_section m;
  m.present = true;
  m.from = "127.0.0.1:7000";
  m.files = 1, m.file_bytes = 2, m.chunks = 3, m.under_replicated = 4, m.replication = 5;
  m.chunkservers.push_back({"h:1#2", "h:2", "z1", "healthy", "draining", 6, 7, 8, 9, 10});
  m.repair = {11, 12, 13, 14, 15, 16, 17.5};
  EXPECT_ROUNDTRIP((status_reply{ns_status::unavailable, "not a master", m}));
  EXPECT_ROUNDTRIP(status_request{});
}

TEST(StorageMessages, ChunkserverToMasterRoundTripFieldByField) {
  std::vector<chunk_report> chunks = {{1, 3, 65536}, {0xffffffffffffffffull, 2, 1}};
  EXPECT_ROUNDTRIP((
      chunkserver_registration{nid(17100), 17101, "zone-a", 1ull << 40, 1ull << 39, 4096, chunks}));
  EXPECT_ROUNDTRIP((registration_ack{nid(17010), 1000, {7, 8}}));
  EXPECT_ROUNDTRIP((chunkserver_heartbeat{nid(17100),
                                          42,
                                          1ull << 40,
                                          12345,
                                          99,
                                          chunks,
                                          {5},
                                          {{9, 10, true, ""}, {11, 12, false, "source gone"}},
                                          {{13, 14}},
                                          {{15, 2, true}}}));
  EXPECT_ROUNDTRIP((heartbeat_reply{true,
                                    {1, 2, 3},
                                    {{4, 5, 6, 7, 0xdeadbeef, {nid(17100), 17101}, "tok"}},
                                    {{15, 2, 9900}},
                                    {{16, 3}},
                                    7,
                                    {{17, 18, 4}}}));
  EXPECT_ROUNDTRIP((ns_request{ns_op::snapshot, "/a/f", "", 0xfeedfacecafebeefull, 43}));
  EXPECT_ROUNDTRIP((ns_request{ns_op::copy, "/a/f", "/b/", 0xfeedfacecafebeefull, 44}));
  EXPECT_ROUNDTRIP((lease_request{"/f", 2, 0}));
  EXPECT_ROUNDTRIP((lease_reply{ns_status::busy,
                                "later",
                                7,
                                3,
                                {nid(17100), 17101},
                                {{nid(17200), 17201}},
                                5000,
                                true,
                                "lease-capability"}));
  EXPECT_ROUNDTRIP(
      (grow_request{"/f",
                    3,
                    200000,
                    2,
                    {{9, 1, 0, 0, {{nid(17100), 17101}}, {}, false}, {10, 1, 0, 0, {}, "t", true}},
                    0xabcdefull}));
  EXPECT_ROUNDTRIP(
      (lock_request{lock_op::renew, "/f", lock_mode::exclusive, 3000, 2000, 42, "alice@h pid 7"}));
  EXPECT_ROUNDTRIP((lock_reply{ns_status::busy, "held by bob", 1234}));
}

// Lease revocations ride on heartbeats (down: give these up; up: these were given up).
TEST(StorageMessages, HeartbeatsCarryLeaseRevocations) {
  heartbeat_reply r;
  r.master_term = 4;
  r.revoke = {{7, 3}, {9, 12}};
  auto r2 = through_the_wire(r);
  ASSERT_EQ(r2.revoke.size(), 2u);
  EXPECT_EQ(r2.revoke[1].handle, 9u);
  EXPECT_EQ(r2.revoke[1].chunk_version, 12u);
  EXPECT_EQ(r2.master_term, 4u);
  chunkserver_heartbeat hb;
  hb.seq = 5;
  hb.leases = {{7, 3, true}};
  hb.released = {{8, 2}};
  auto hb2 = through_the_wire(hb);
  ASSERT_EQ(hb2.released.size(), 1u);
  EXPECT_EQ(hb2.released[0].handle, 8u);
  EXPECT_EQ(hb2.released[0].chunk_version, 2u);
  ASSERT_EQ(hb2.leases.size(), 1u);
  EXPECT_TRUE(hb2.leases[0].extend);
}

TEST(StorageMessages, EqualityNamesEveryField) {
  // Each field changed alone makes the messages differ: operator== does not skip one.
  ns_chunk a = chunk();
  for (int field = 0; field < 5; ++field) {
    ns_chunk b = a;
    if (field == 0) b.handle++;
    if (field == 1) b.chunk_version++;
    if (field == 2) b.size_bytes++;
    if (field == 3) b.crc32c++;
    if (field == 4) b.replicas.pop_back();
    EXPECT_FALSE(a == b) << "field " << field;
  }
}

TEST(StorageMessages, OperationsHaveStableWireValues) {
  EXPECT_EQ(static_cast<int>(ns_op::mkdir), 1);
  EXPECT_EQ(static_cast<int>(ns_op::remove), 2);
  EXPECT_EQ(static_cast<int>(ns_op::list), 3);
  EXPECT_EQ(static_cast<int>(ns_op::stat), 4);
  EXPECT_EQ(static_cast<int>(ns_op::snapshot), 6);
  EXPECT_EQ(static_cast<int>(ns_op::stat_dir), 7);
  EXPECT_EQ(static_cast<int>(ns_op::copy), 8);
  EXPECT_EQ(static_cast<int>(ns_status::unavailable), 10);
  EXPECT_EQ(static_cast<int>(ns_status::no_servers), 11);
}

TEST(StorageMessages, RegisteredUnderStableNames) {
  caf::actor_system_config cfg;
  register_message_types(cfg);
  caf::actor_system sys{cfg};
  auto name = [&](const std::type_info& t) { return sys.types().portable_name(0, &t); };
  EXPECT_EQ(name(typeid(ns_request)), "dfs::ns_request");
  EXPECT_EQ(name(typeid(versions_request)), "dfs::versions_request");
  EXPECT_EQ(name(typeid(layout_request)), "dfs::layout_request");
  EXPECT_EQ(name(typeid(ns_reply)), "dfs::ns_reply");
  EXPECT_EQ(name(typeid(put_request)), "dfs::put_request");
  EXPECT_EQ(name(typeid(put_plan)), "dfs::put_plan");
  EXPECT_EQ(name(typeid(put_commit)), "dfs::put_commit");
  EXPECT_EQ(name(typeid(status_request)), "dfs::status_request");
  EXPECT_EQ(name(typeid(status_reply)), "dfs::status_reply");
  EXPECT_EQ(name(typeid(heartbeat_reply)), "dfs::heartbeat_reply_v6");
  EXPECT_EQ(name(typeid(chunkserver_heartbeat)), "dfs::chunkserver_heartbeat_v4");
  EXPECT_EQ(name(typeid(local_copy)), "dfs::local_copy");
}

}  // namespace
