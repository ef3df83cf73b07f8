// Frames over the data port's TLS (issue 11: what TLS costs a put or a get). A session reads
// ahead and buffers its writes, so the 16 KiB records of a frame cross in a few syscalls; these
// tests count them in /proc/self/io, and check that buffered bytes still count as unread.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/certificates.hpp"
#include "common/process.hpp"
#include "common/temp_dir.hpp"
#include "net/conn_pool.hpp"
#include "net/data_server.hpp"
#include "net/tls_context.hpp"

using namespace dfs;

namespace {

struct io_counts {
  uint64_t reads = 0, writes = 0;  // read(2)/write(2)-family calls of this whole process
};

io_counts io_now() {
  std::ifstream in("/proc/self/io");
  io_counts c;
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "syscr:") c.reads = value;
    if (key == "syscw:") c.writes = value;
  }
  return c;
}

struct TlsFrames : ::testing::Test {
  test::temp_dir tmp;
  std::string ca = tmp.path() + "/ca";
  std::shared_ptr<net::tls_context> server_tls, client_tls;

  void SetUp() override {
    pki::create_ca(ca);
    pki::issue_certificate(ca, "cs", principal_kind::server, {"127.0.0.1"});
    pki::issue_certificate(ca, "alice", principal_kind::client, {});
    auto files = [&](const std::string& name) {
      return net::tls_files{ca + "/ca.crt", ca + "/" + name + ".crt", ca + "/" + name + ".key"};
    };
    server_tls = std::make_shared<net::tls_context>(files("cs"), net::tls_side::server);
    client_tls = std::make_shared<net::tls_context>(files("alice"), net::tls_side::client);
  }

  net::data_server_options server_opts(uint16_t port) {
    net::data_server_options o;
    o.port = port;
    o.cluster = 7;
    o.max_connections = 4;
    o.tls = server_tls;
    return o;
  }

  net::pool_options pool_opts() {
    net::pool_options o;
    o.cluster = 7;
    o.timeout_ms = 10000;
    o.tls = client_tls;
    return o;
  }
};

}  // namespace

TEST_F(TlsFrames, MegabyteFramesCrossInAFewSyscallsAndArriveWhole) {
  auto port = test::free_port_block(1, 42800);
  // Answers each frame with its size and the payload's first and last byte.
  net::data_server srv(server_opts(port), [](net::frame_conn& c) {
    net::frame f;
    while (c.read(f) == net::frame_error::none)
      if (!c.reply(0, std::to_string(f.payload.size()) + f.payload.front() + f.payload.back()))
        return;
  });
  srv.start();
  net::conn_pool pool(pool_opts());
  auto l = pool.acquire("127.0.0.1", port);
  constexpr int frames = 8;
  std::string payload(net::data_frame_bytes, 'x');
  auto before = io_now();
  for (int i = 0; i < frames; ++i) {
    payload.front() = static_cast<char>('a' + i);
    payload.back() = static_cast<char>('A' + i);
    ASSERT_TRUE(l.conn.write(net::data_type::push_data, payload));
    net::frame f;
    net::reply_msg r;
    ASSERT_EQ(l.conn.read(f), net::frame_error::none);
    ASSERT_TRUE(net::parse_reply(f, r));
    EXPECT_EQ(r.message, std::to_string(payload.size()) + char('a' + i) + char('A' + i));
  }
  auto after = io_now();
  // 8 MiB is 512 records: unbatched, at least 512 writes (one per record) and 1,024 reads (a
  // record's header, then its body). Batched, about one write per 128 KiB and a read per
  // arrival, whatever the loopback's segmenting.
  EXPECT_LT(after.writes - before.writes, 256u);
  EXPECT_LT(after.reads - before.reads, 512u);
}

TEST_F(TlsFrames, RecordsReadAheadCountAsUnread) {
  auto port = test::free_port_block(1, 42810);
  // Answers every frame twice, in one write (the first reply says more follows): a peer out of
  // step with the request/reply protocol.
  net::data_server srv(server_opts(port), [](net::frame_conn& c) {
    net::frame f;
    while (c.read(f) == net::frame_error::none)
      if (!c.reply(0, "first", {}, true) || !c.reply(0, "second")) return;
  });
  srv.start();
  net::conn_pool pool(pool_opts());
  auto l = pool.acquire("127.0.0.1", port);
  ASSERT_TRUE(l.conn.write(net::data_type::stat, "x"));
  net::frame f;
  net::reply_msg r;
  ASSERT_EQ(l.conn.read(f), net::frame_error::none);
  ASSERT_TRUE(net::parse_reply(f, r));
  EXPECT_EQ(r.message, "first");
  // The second reply's record came in with the first (read-ahead) but is not decrypted yet.
  EXPECT_TRUE(l.conn.has_unread());
  pool.release("127.0.0.1", port, std::move(l.conn));
  EXPECT_EQ(pool.idle_count(), 0u);
}
