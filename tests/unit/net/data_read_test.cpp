// Reads served by a chunkserver's data service (net/data_service.cpp), in process over plain
// TCP on loopback: a read spanning several frames, at an offset inside a block, comes back
// byte-exact; one past the chunk's end reads zeros there; the server reads one frame's worth
// at a time, so a corrupt block in the first frame is answered as corrupt, and one further on
// ends the connection mid-read (the reader tries another replica). Either way the replica is
// set aside, and streaming read_chunk_to hands the sink the bytes in order.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>

#include "common/temp_dir.hpp"
#include "common/wall_clock.hpp"
#include "core/security/capability.hpp"
#include "net/data_client.hpp"
#include "net/data_server.hpp"
#include "net/data_service.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {
namespace {

namespace cs = chunkstore;

constexpr uint32_t cluster = 77;

std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed) >> 7);
  return s;
}

// A port nothing listens on now (the kernel's pick for a socket bound to port 0).
uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

struct served_store {
  test::temp_dir dir;
  std::shared_ptr<chunk_store> store =
      std::make_shared<chunk_store>(dir.path(), cs::pending_limits{});
  std::string key = security::capability_key("unit-test-cluster-key");
  uint16_t port = free_port();
  std::shared_ptr<net::data_server> server;
  net::conn_pool pool{net::pool_options{cluster, 5000, 4, std::chrono::milliseconds(10000), {}}};

  served_store() {
    std::vector<std::string> warnings;
    EXPECT_TRUE(store->open(warnings).ok());
    data_service_options so;
    so.self = "127.0.0.1:" + std::to_string(port);
    so.cluster = cluster;
    so.capability_key = key;
    auto service = std::make_shared<data_service>(store, so);
    net::data_server_options o;
    o.port = port;
    o.cluster = cluster;
    server =
        std::make_shared<net::data_server>(o, [service](net::frame_conn& c) { service->serve(c); });
    server->start();
  }
  ~served_store() { server->stop(); }

  void commit(uint64_t handle, const std::string& data) {
    cs::data_id id{handle};
    ASSERT_TRUE(store->begin(id, cs::chunk_handle{handle}, 1, data.size()).ok());
    ASSERT_TRUE(store->append(id, data).ok());
    ASSERT_TRUE(store->finalize(id).ok());
  }
  std::string token(uint64_t handle) const {
    return security::sign_capability(
        {security::capability_op::read, handle, 1, wall_clock_ms() + 60000, {}}, key);
  }
  net::data_endpoint at() const { return {"127.0.0.1", port}; }
  // Flips one byte of chunk `handle`'s data at `offset`, on disk.
  void damage(uint64_t handle, uint64_t offset) {
    auto m = *store->stat(cs::chunk_handle{handle});
    auto path = dir.path() + "/chunks/" + m.handle.to_string() + ".chunk";
    std::string b;
    ASSERT_TRUE(read_range(path, m.header_bytes() + offset, 1, b).ok());
    b[0] ^= 0x20;
    ASSERT_TRUE(write_range_durable(path, m.header_bytes() + offset, b).ok());
  }
};

TEST(DataRead, ManyFramesAtAnOffsetAndPastTheEndComeBackExact) {
  served_store s;
  auto data = pattern((3u << 20) + 12345, 3);  // 3 frames and a bit
  s.commit(1, data);
  // From inside block 1 to the end: several frames, none starting on a block edge.
  uint64_t off = 65536 + 1000;
  auto got = net::read_chunk(s.pool, s.at(), 1, off, data.size() - off, s.token(1));
  EXPECT_TRUE(got == data.substr(off)) << "bytes differ";
  // Past the end (a chunk shorter than the master's size for it): zeros there.
  auto longer = net::read_chunk(s.pool, s.at(), 1, 0, data.size() + (1u << 20) + 7, s.token(1));
  ASSERT_EQ(longer.size(), data.size() + (1u << 20) + 7);
  EXPECT_TRUE(longer.substr(0, data.size()) == data);
  EXPECT_EQ(longer.find_first_not_of('\0', data.size()), std::string::npos);
  // The streaming form hands the same bytes over, frame by frame, in order.
  std::string streamed;
  size_t calls = 0;
  net::read_chunk_to(s.pool, s.at(), 1, 0, data.size(), s.token(1), [&](std::string_view b) {
    streamed.append(b);
    ++calls;
  });
  EXPECT_TRUE(streamed == data);
  EXPECT_EQ(calls, 4u) << "one call per 1 MiB frame";
}

TEST(DataRead, ACorruptBlockIsAnsweredOrEndsTheReadAndTheReplicaIsSetAside) {
  served_store s;
  auto data = pattern(3u << 20, 5);
  s.commit(1, data);
  s.commit(2, data);
  // In the first frame: an answer that names the damage.
  s.damage(1, 100);
  try {
    (void)net::read_chunk(s.pool, s.at(), 1, 0, data.size(), s.token(1));
    ADD_FAILURE() << "a corrupt replica was read";
  } catch (const net::data_error& e) {
    EXPECT_EQ(e.status, uint32_t(cs::errc::corrupt)) << e.what();
    EXPECT_NE(std::string(e.what()).find("corrupt block 0"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(s.store->stat(cs::chunk_handle{1}).has_value()) << "not set aside";
  // Further on, after the answer went out: the connection ends mid-read, never bad bytes.
  s.damage(2, (2u << 20) + 5);
  std::string got;
  try {
    net::read_chunk_to(s.pool, s.at(), 2, 0, data.size(), s.token(2),
                       [&](std::string_view b) { got.append(b); });
    ADD_FAILURE() << "a corrupt replica was read whole";
  } catch (const net::data_error& e) {
    EXPECT_EQ(e.status, 0u) << e.what();
    EXPECT_FALSE(e.retriable) << "bytes were handed on: a retry would repeat them";
  }
  EXPECT_TRUE(got == data.substr(0, got.size())) << "bytes before the damage differ";
  EXPECT_LE(got.size(), 2u << 20) << "bytes of the damaged frame were handed on";
  EXPECT_FALSE(s.store->stat(cs::chunk_handle{2}).has_value()) << "not set aside";
  // The server goes on serving.
  s.commit(3, data);
  EXPECT_TRUE(net::read_chunk(s.pool, s.at(), 3, 0, data.size(), s.token(3)) == data);
}

}  // namespace
}  // namespace dfs
