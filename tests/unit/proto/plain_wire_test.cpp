// proto/plain_wire.hpp writes and reads exactly CAF's binary format for every message the
// request port carries (group and gossip packets: group_messages_test, membership_wire_test;
// same_bytes.hpp says what is compared).
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "proto/ftqueue.hpp"
#include "proto/plain_wire.hpp"
#include "proto/status.hpp"
#include "proto/storage.hpp"
#include "proto/wire.hpp"
#include "same_bytes.hpp"

using namespace dfs;
using dfs::test::expect_same_bytes;

namespace {

std::string text(size_t n, char c) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(c + i % 7));
  return s;
}

replica_addr replica(int i) {
  return {node_id{"10.0.0." + std::to_string(i), static_cast<uint16_t>(17000 + i),
                  0xfedcba9876543210ull + static_cast<uint64_t>(i)},
          static_cast<uint16_t>(17001 + i)};
}

ns_chunk chunk(int i) {
  ns_chunk c;
  c.handle = 0x8000000000000001ull + static_cast<uint64_t>(i);
  c.chunk_version = 7 + static_cast<uint64_t>(i);
  c.size_bytes = 64u << 20;
  c.crc32c = 0xdeadbeef;
  c.replicas = {replica(i), replica(i + 1), replica(i + 2)};
  c.token = text(300, 'a');
  c.may_change = true;
  return c;
}

TEST(PlainWire, RequestsAreCafsBytes) {
  expect_same_bytes(ns_request{ns_op::rename, text(200, 'p'), text(5, 't'), 42, 0xffffffffffull});
  expect_same_bytes(trash_request{trash_op::undelete, "/a", "/b", 1, 2});
  expect_same_bytes(versions_request{text(130, 'v'), 0xfffffffe});
  expect_same_bytes(layout_request{"/f", 0x123456789abcull});
  expect_same_bytes(stale_read_request{stale_op::layout, "/f", 3});
  expect_same_bytes(put_request{"/f", 1ull << 40, 64u << 20});
  put_commit commit;
  commit.path = "/f";
  commit.chunk_size_bytes = 64u << 20;
  commit.chunks = {chunk(1), chunk(2)};
  commit.base_version = 9;
  commit.client_id = 10;
  commit.request_no = 11;
  expect_same_bytes(commit);
  grow_request grow;
  grow.path = "/g";
  grow.version = 2;
  grow.size_bytes = 3;
  grow.first_index = 4;
  grow.chunks = {chunk(3)};
  grow.client_id = 5;
  expect_same_bytes(grow);
  expect_same_bytes(lock_request{lock_op::renew, "/l", lock_mode::exclusive, 1000, 2000, 77,
                                 "alice@host pid 42"});
  expect_same_bytes(lease_request{"/f", 3, 0x77});
  expect_same_bytes(status_request{});
  expect_same_bytes(queue_request{1, 0xffffffffffffffffull, 3, -7, -0x7fffffffffffffffll});
}

TEST(PlainWire, RepliesAreCafsBytes) {
  ns_reply r;
  r.status = ns_status::not_found;
  r.error = text(1000, 'e');     // a two-byte length
  for (int i = 0; i < 130; ++i)  // a two-byte count
    r.entries.push_back({text(static_cast<size_t>(i), 'n'), i % 2 == 0, uint64_t(i) << 33,
                         1700000000000ull + uint64_t(i), uint32_t(i), uint32_t(i * 3)});
  r.versions = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}};
  r.chunks = {chunk(1), chunk(4)};
  expect_same_bytes(r);
  expect_same_bytes(ns_reply{});
  put_plan p;
  p.status = ns_status::ok;
  p.chunk_size_bytes = 1u << 20;
  p.write_quorum = 2;
  p.chunks = {chunk(5)};
  expect_same_bytes(p);
  expect_same_bytes(lock_reply{ns_status::busy, "held by bob", 1234});
  lease_reply l;
  l.status = ns_status::ok;
  l.handle = 1;
  l.chunk_version = 2;
  l.primary = replica(1);
  l.secondaries = {replica(2), replica(3)};
  l.expires_in_ms = 60000;
  l.granted = true;
  l.token = text(200, 'k');
  expect_same_bytes(l);
  status_reply s;
  s.status = ns_status::ok;
  s.section.present = true;
  s.section.from = "10.0.0.1:17010";
  s.section.files = 1;
  s.section.file_bytes = 2;
  s.section.chunks = 3;
  s.section.under_replicated = 4;
  s.section.replication = 3;
  s.section.chunkservers = {{"cs1", "10.0.0.2:17111", "z1", "healthy", "draining", -5, 1ull << 40,
                             1ull << 39, 1ull << 38, 12345}};
  s.section.repair = {1, 2, 3, 4, 5, 6, 1234.5678e10};
  expect_same_bytes(s);
  expect_same_bytes(queue_reply{queue_status::retry, -42, "overloaded"});
}

TEST(PlainWire, AnInfinityIsRefusedNotWrittenForEver) {
  // CAF's pack754 halves an infinity until it is below 2: it never returns. plain_wire says no.
  status_reply s;
  s.section.repair.bytes_per_s = std::numeric_limits<double>::infinity();
  EXPECT_EQ(plain_wire::encode(s), "");
  s.section.repair.bytes_per_s = std::numeric_limits<double>::max();  // finite: written
  EXPECT_EQ(plain_wire::encode(s), test::caf_wire::encode(s));
}

TEST(PlainWire, MalformedLengthsAreRefusedWithoutAllocating) {
  ns_reply r;
  // A sequence count of 2^32 - 1 and nothing after it: refused at once.
  std::string bytes(1, '\0');                       // status
  bytes += std::string("\x00", 1);                  // empty error
  bytes += std::string("\xff\xff\xff\xff\x0f", 5);  // entries: 2^32 - 1
  EXPECT_FALSE(plain_wire::decode(bytes, r));
  // A length of more than five bytes (over 32 bits) is refused.
  std::string six(1, '\0');
  six += std::string("\x80\x80\x80\x80\x80\x01", 6);
  EXPECT_FALSE(plain_wire::decode(six, r));
}

}  // namespace
