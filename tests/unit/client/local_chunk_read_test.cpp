// read_chunk_locally (client/local_chunk_read.hpp): a sealed chunk read from a local replica's
// file is delivered only when it matches the master's checksum; otherwise, or when no replica
// is served locally, the caller goes to the network.
#include <gtest/gtest.h>

#include "client/local_chunk_read.hpp"
#include "common/crc32c.hpp"
#include "common/local_read_store.hpp"

namespace dfs {
namespace {

std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed) >> 7);
  return s;
}

replica_addr replica(const net::data_endpoint& at) {
  return {{at.host, 0, 1}, at.port};
}

ns_chunk sealed(test::local_read_store& s, uint64_t handle, const std::string& data) {
  ns_chunk c;
  c.handle = handle;
  c.chunk_version = 1;
  c.size_bytes = data.size();
  c.crc32c = crc32c(data);
  c.token = s.token(handle);
  c.replicas = {replica(s.at)};
  return c;
}

TEST(LocalChunkRead, ASealedChunkIsReadWholeIntoAReusedBuffer) {
  test::local_read_store s;
  auto data = pattern((2u << 20) + 777, 5);
  s.commit(3, data);
  auto c = sealed(s, 3, data);
  std::string buf(5u << 20, 'q');  // a bigger buffer from an earlier chunk
  std::string errors;
  auto order = c.replicas;
  ASSERT_TRUE(read_chunk_locally(c, order, 2000, buf, errors)) << errors;
  EXPECT_TRUE(buf == data) << "bytes differ";
  EXPECT_EQ(errors, "");
  EXPECT_EQ(s.server->served(), 1u);
}

TEST(LocalChunkRead, BytesPastAShorterReplicasEndAreZeros) {
  test::local_read_store s;
  auto data = pattern(100000, 6);
  s.commit(3, data);
  auto whole = data + std::string(5000, '\0');  // the master's size for it is larger
  auto c = sealed(s, 3, whole);
  std::string buf, errors;
  ASSERT_TRUE(read_chunk_locally(c, c.replicas, 2000, buf, errors)) << errors;
  EXPECT_TRUE(buf == whole);
}

TEST(LocalChunkRead, OtherBytesFailTheChecksumAndAreNotDelivered) {
  test::local_read_store s;
  auto data = pattern(70000, 7);
  s.commit(3, data);
  auto c = sealed(s, 3, data);
  c.crc32c ^= 1;  // the master's checksum of other bytes
  test::local_read_store good;
  good.commit(3, data);
  c.replicas = {replica(good.at), replica(s.at)};  // good would match nothing either
  std::string buf, errors;
  // Two bad replicas: the first one to fail goes first for the network read, and the attempt
  // ends there (the network read checks it block by block).
  auto order = c.replicas;
  EXPECT_FALSE(read_chunk_locally(c, order, 2000, buf, errors));
  EXPECT_NE(errors.find(good.at.text() + ": local read: checksum mismatch"), std::string::npos)
      << errors;
  EXPECT_EQ(good.server->served(), 1u);
  EXPECT_EQ(s.server->served(), 0u);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].id.host, good.at.host);
  // The failing replica second in line: moved to the front.
  order = {replica(s.at), replica(good.at)};
  order.insert(order.begin(), replica({s.at.host, 9}));  // not local: skipped
  errors.clear();
  EXPECT_FALSE(read_chunk_locally(c, order, 2000, buf, errors));
  EXPECT_EQ(order[0].id.host, s.at.host);
  EXPECT_EQ(order[0].data_port, s.at.port);
  EXPECT_EQ(order[1].data_port, 9);
}

TEST(LocalChunkRead, ARefusalIsReportedAndTheNextReplicaIsTried) {
  test::local_read_store s, empty;  // `empty` serves no chunk 3
  auto data = pattern(5000, 8);
  s.commit(3, data);
  auto c = sealed(s, 3, data);
  c.replicas = {replica(empty.at), replica(s.at)};
  std::string buf, errors;
  ASSERT_TRUE(read_chunk_locally(c, c.replicas, 2000, buf, errors));
  EXPECT_TRUE(buf == data);
  EXPECT_NE(errors.find(empty.at.text() + ": no chunk"), std::string::npos) << errors;
}

TEST(LocalChunkRead, NotForChunksThatMayChangeNorForReplicasElsewhere) {
  test::local_read_store s;
  auto data = pattern(5000, 9);
  s.commit(3, data);
  auto c = sealed(s, 3, data);
  std::string buf, errors;
  c.may_change = true;  // no checksum to check the bytes against
  EXPECT_FALSE(read_chunk_locally(c, c.replicas, 2000, buf, errors));
  c.may_change = false;
  c.replicas = {replica({s.at.host, 9})};  // no chunkserver of that endpoint here
  EXPECT_FALSE(read_chunk_locally(c, c.replicas, 2000, buf, errors));
  EXPECT_EQ(errors, "");
  EXPECT_EQ(s.server->served(), 0u);
  EXPECT_EQ(s.server->refused(), 0u);
}

}  // namespace
}  // namespace dfs
