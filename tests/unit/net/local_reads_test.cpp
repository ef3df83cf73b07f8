// Local reads (net/local_reads.hpp) in process: a chunkserver's data service hands a chunk's
// file, opened read-only, to a reader of its own user over a Unix socket, after the checks a
// network read makes; anything else gets one clear refusal, and the server goes on serving.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "common/local_read_store.hpp"
#include "common/process.hpp"
#include "core/chunkstore/error.hpp"

namespace dfs {
namespace {

namespace cs = chunkstore;

std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u + seed) >> 7);
  return s;
}

size_t open_fds() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator{}));
}

std::string read_fd(int fd, uint64_t offset, uint64_t length) {
  std::string out(length, '\0');
  for (uint64_t pos = 0; pos < length;) {
    auto n = ::pread(fd, out.data() + pos, length - pos, static_cast<off_t>(offset + pos));
    if (n <= 0) return {};
    pos += static_cast<uint64_t>(n);
  }
  return out;
}

// One raw packet to the server at `at` and its answer (no descriptor expected).
net::local_read_answer raw_exchange(const net::data_endpoint& at, const std::string& packet) {
  int s = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  auto name = net::local_read_name(at.text());
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  net::local_read_answer out;
  out.status = 999;  // no answer
  if (::connect(s, reinterpret_cast<sockaddr*>(&a),
                static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())) == 0) {
    // A refusal may come before the request is read, and the server may have closed by now.
    (void)::send(s, packet.data(), packet.size(), MSG_NOSIGNAL);
    char in[4096];
    auto n = ::recv(s, in, sizeof in, 0);
    if (n > 0 && !net::decode(std::string_view(in, static_cast<size_t>(n)), out)) out.status = 998;
  }
  ::close(s);
  return out;
}

TEST(LocalReads, AChunkFileComesWithWhereItsBytesAre) {
  test::local_read_store s;
  auto data = pattern((3u << 20) + 12345, 3);
  s.commit(7, data);
  auto fds = open_fds();
  {
    auto f = net::open_local_chunk(s.at, {7, 0, data.size(), s.token(7)}, 2000);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->status, 0u);
    EXPECT_EQ(f->length, data.size());
    EXPECT_TRUE(read_fd(f->fd.get(), f->data_offset, f->length) == data) << "bytes differ";
    // Read-only: the reader cannot change the replica.
    EXPECT_LT(::pwrite(f->fd.get(), "x", 1, static_cast<off_t>(f->data_offset)), 0);
  }
  // The server closes its end of the connection just after answering.
  EXPECT_TRUE(test::wait_until([&] { return open_fds() <= fds; }, std::chrono::seconds(5)))
      << "the descriptor is closed with its answer";
  EXPECT_EQ(s.server->served(), 1u);
  EXPECT_EQ(s.service->stats().local_reads, 1u);
  EXPECT_EQ(s.service->stats().reads, 1u);
}

TEST(LocalReads, RefusedAsANetworkReadWouldBe) {
  test::local_read_store s;
  s.commit(7, pattern(1000, 1), 3);
  auto fds = open_fds();
  auto status_of = [&](const net::read_msg& rq) -> uint32_t {
    try {
      auto f = net::open_local_chunk(s.at, rq, 2000);
      return f ? f->status : 1000;
    } catch (const net::data_error& e) {
      EXPECT_NE(std::string(e.what()).find(s.at.text()), std::string::npos) << e.what();
      return e.status;
    }
  };
  auto other_key = security::capability_key("another-cluster");
  EXPECT_EQ(status_of({7, 0, 1000, s.token(7, 3, other_key)}), uint32_t(cs::errc::forbidden));
  EXPECT_EQ(status_of({7, 0, 1000, s.token(8, 3)}), uint32_t(cs::errc::forbidden))
      << "a token for another chunk";
  EXPECT_EQ(status_of({7, 0, 1000, ""}), uint32_t(cs::errc::forbidden));
  EXPECT_EQ(status_of({7, 0, 1000, s.token(7, 4)}), uint32_t(cs::errc::not_found))
      << "the replica is version 3: stale for a reader of version 4";
  EXPECT_EQ(status_of({9, 0, 1000, s.token(9, 3)}), uint32_t(cs::errc::not_found));
  EXPECT_EQ(s.server->refused(), 5u);
  EXPECT_EQ(s.server->served(), 0u);
  EXPECT_TRUE(test::wait_until([&] { return open_fds() <= fds; }, std::chrono::seconds(5)));
  // And then a good one.
  EXPECT_EQ(status_of({7, 0, 1000, s.token(7, 3)}), 0u);
}

TEST(LocalReads, MalformedRequestsGetOneErrorAndTheServerGoesOn) {
  test::local_read_store s;
  s.commit(7, pattern(1000, 1));
  auto good = net::encode_local_request({7, 0, 1000, s.token(7)});
  for (const std::string& bad :
       {std::string("garbage"), good.substr(0, good.size() - 1), good + "x",
        "XXXX" + good.substr(4), std::string(net::max_local_request_bytes + 10, 'a')}) {
    auto a = raw_exchange(s.at, bad);
    EXPECT_EQ(a.status, uint32_t(cs::errc::invalid_argument)) << bad.size();
    EXPECT_EQ(a.message, "malformed local read request");
  }
  // An empty packet reads as the end of the connection: closed without an answer.
  EXPECT_EQ(raw_exchange(s.at, "").status, 999u);
  auto a = raw_exchange(s.at, good);
  EXPECT_EQ(a.status, 0u);
  EXPECT_EQ(a.length, 1000u);
  EXPECT_EQ(s.server->refused(), 5u);
}

TEST(LocalReads, NoServerOfThatNameMeansNotLocal) {
  test::local_read_store s;
  s.commit(7, pattern(10, 1));
  net::data_endpoint elsewhere{s.at.host, 2};
  EXPECT_FALSE(net::open_local_chunk(elsewhere, {7, 0, 10, s.token(7)}, 2000).has_value());
  s.server->stop();
  s.server->stop();  // idempotent
  EXPECT_FALSE(net::open_local_chunk(s.at, {7, 0, 10, s.token(7)}, 2000).has_value());
}

// Another user of the host gets nothing, and ignores the chunkserver as not its own.
TEST(LocalReads, AnotherUserIsRefusedAndDoesNotTrustTheServer) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  test::local_read_store s;
  s.commit(7, pattern(10, 1));
  auto request = net::encode_local_request({7, 0, 10, s.token(7)});
  auto token = s.token(7);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(10);
    if (net::open_local_chunk(s.at, {7, 0, 10, token}, 2000).has_value()) _exit(11);
    auto a = raw_exchange(s.at, request);
    if (a.status != uint32_t(cs::errc::forbidden)) _exit(12);
    if (a.message.find("own user") == std::string::npos) _exit(13);
    _exit(0);
  }
  int st = 0;
  ASSERT_EQ(::waitpid(child, &st, 0), child);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0) << "10: setuid failed, 11: trusted another user's server, "
                                   "12/13: not refused as another user";
  EXPECT_EQ(s.server->served(), 0u);
  EXPECT_EQ(s.server->refused(), 1u);
}

TEST(LocalReads, AnswersSurviveTheirEncoding) {
  net::local_read_answer a{3, "no chunk 7", {}, 4096, 65536}, b;
  ASSERT_TRUE(net::decode(net::encode(a), b));
  EXPECT_EQ(b.status, 3u);
  EXPECT_EQ(b.message, "no chunk 7");
  EXPECT_EQ(b.data_offset, 4096u);
  EXPECT_EQ(b.length, 65536u);
  EXPECT_FALSE(net::decode(net::encode(a) + "x", b)) << "trailing bytes";
  EXPECT_FALSE(net::decode(net::encode(a).substr(1), b));
  net::read_msg rq;
  EXPECT_TRUE(net::decode_local_request(net::encode_local_request({7, 0, 10, "t"}), rq));
  EXPECT_EQ(rq.handle, 7u);
  EXPECT_EQ(rq.token, "t");
}

}  // namespace
}  // namespace dfs
