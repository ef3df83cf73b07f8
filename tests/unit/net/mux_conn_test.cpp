// net::mux_conn against a scripted server: many callers' requests in flight on one connection
// at once and each answered by tag in any order; an unanswered request times out alone; an
// answer nobody waits for is ignored; a closed connection fails every waiting caller at once
// (not at their deadlines) and every later one.
#include "net/mux_conn.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "common/process.hpp"
#include "net/conn_pool.hpp"
#include "net/data_server.hpp"

using namespace dfs;
using namespace std::chrono_literals;

namespace {

net::data_server_options server_opts(uint16_t port) {
  net::data_server_options o;
  o.port = port;
  o.cluster = 7;
  o.timeout_ms = 30000;
  o.max_connections = 16;
  return o;
}

struct tagged {
  uint64_t tag;
  std::string payload;
};

// Reads tagged requests until `enough(received)` says to answer; answers `reply(r)` for each
// request in reverse order of arrival (empty optional: never), then starts over.
struct scripted_server {
  std::atomic<int> connections{0};
  std::function<bool(const std::vector<tagged>&)> enough;
  std::function<void(net::frame_conn&, std::vector<tagged>&)> answer;
  net::data_server server;
  scripted_server(uint16_t port, std::function<bool(const std::vector<tagged>&)> e,
                  std::function<void(net::frame_conn&, std::vector<tagged>&)> a)
      : enough(std::move(e)), answer(std::move(a)), server(server_opts(port), [this](auto& c) {
          ++connections;
          std::vector<tagged> got;
          net::frame f;
          while (c.read(f) == net::frame_error::none) {
            uint64_t tag = 0;
            std::string_view rest;
            if (f.type != net::data_type::tagged_request || !net::split_tag(f.payload, tag, rest))
              return;
            got.push_back({tag, std::string(rest)});
            if (!enough(got)) continue;
            answer(c, got);
            got.clear();
          }
        }) {
    server.start();
  }
};

void answer_reversed(net::frame_conn& c, std::vector<tagged>& got) {
  std::reverse(got.begin(), got.end());
  for (size_t i = 0; i < got.size(); ++i)
    c.reply_tagged(got[i].tag, 0, "", got[i].payload, i + 1 < got.size());
}

net::pool_options pool_opts() {
  net::pool_options o;
  o.cluster = 7;
  o.timeout_ms = 5000;
  return o;
}

// The pool owns the io_context of the connection's socket: it must outlive the mux_conn.
std::unique_ptr<net::mux_conn> connect(net::conn_pool& pool, uint16_t port) {
  return std::make_unique<net::mux_conn>(pool.acquire("127.0.0.1", port).conn);
}

}  // namespace

TEST(MuxConn, ManyCallersShareOneConnectionAndEachGetsItsOwnAnswer) {
  auto port = test::free_port_block(1, 42300);
  constexpr int callers = 16;
  // The server answers nothing until all 16 requests are in: without multiplexing on the one
  // connection, no caller would ever be answered.
  scripted_server srv(
      port, [](auto& got) { return got.size() == callers; }, answer_reversed);
  net::conn_pool pool(pool_opts());
  auto mux = connect(pool, port);
  for (int round = 0; round < 3; ++round) {
    std::vector<net::mux_conn::result> results(callers);
    std::vector<std::thread> threads;
    for (int k = 0; k < callers; ++k)
      threads.emplace_back([&, k] {
        results[k] = mux->call("request " + std::to_string(round) + "/" + std::to_string(k), 10s);
      });
    for (auto& t : threads) t.join();
    for (int k = 0; k < callers; ++k) {
      ASSERT_EQ(results[k].kind, net::mux_conn::result::answered) << results[k].error;
      EXPECT_EQ(results[k].reply.body,
                "request " + std::to_string(round) + "/" + std::to_string(k));
    }
  }
  EXPECT_EQ(srv.connections.load(), 1);
  EXPECT_EQ(mux->requests_sent(), 3u * callers);
  EXPECT_FALSE(mux->broken());
}

TEST(MuxConn, AnUnansweredRequestTimesOutAloneAndAStrayAnswerIsIgnored) {
  auto port = test::free_port_block(1, 42310);
  // Answers each request at once, except "silent", which it never answers; before each
  // answer, one for a tag nobody is waiting for.
  scripted_server srv(
      port, [](auto&) { return true; },
      [](net::frame_conn& c, std::vector<tagged>& got) {
        if (got[0].payload == "silent") return;
        c.reply_tagged(got[0].tag + 1000000, 0, "", "stray", true);
        c.reply_tagged(got[0].tag, 0, "", got[0].payload);
      });
  net::conn_pool pool(pool_opts());
  auto mux = connect(pool, port);
  net::mux_conn::result silent;
  std::thread t([&] { silent = mux->call("silent", 300ms); });
  for (int i = 0; i < 20; ++i) {
    auto r = mux->call("x" + std::to_string(i), 5s);
    ASSERT_EQ(r.kind, net::mux_conn::result::answered) << r.error;
    EXPECT_EQ(r.reply.body, "x" + std::to_string(i));
  }
  t.join();
  EXPECT_EQ(silent.kind, net::mux_conn::result::timeout);
  EXPECT_FALSE(mux->broken());
  EXPECT_EQ(mux->call("after", 5s).reply.body, "after");
}

TEST(MuxConn, AClosedConnectionFailsEveryWaitingCallerAtOnceAndEveryLaterOne) {
  auto port = test::free_port_block(1, 42320);
  // Hangs up, unanswered, once 4 requests are in.
  scripted_server srv(
      port, [](auto& got) { return got.size() == 4; },
      [](net::frame_conn& c, std::vector<tagged>&) { c.shutdown(); });
  net::conn_pool pool(pool_opts());
  auto mux = connect(pool, port);
  std::vector<net::mux_conn::result> results(4);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) threads.emplace_back([&, k] { results[k] = mux->call("q", 60s); });
  for (auto& t : threads) t.join();  // long before 60 s, or the test's own timeout fails it
  for (auto& r : results) {
    EXPECT_EQ(r.kind, net::mux_conn::result::broken);
    EXPECT_NE(r.error.find("closed"), std::string::npos) << r.error;
  }
  EXPECT_TRUE(mux->broken());
  EXPECT_EQ(mux->call("later", 60s).kind, net::mux_conn::result::broken);
}

TEST(MuxConn, AServerThatStopsFreesEveryWaitingCaller) {
  auto port = test::free_port_block(1, 42330);
  scripted_server srv(
      port, [](auto&) { return false; }, [](net::frame_conn&, std::vector<tagged>&) {});
  net::conn_pool pool(pool_opts());
  auto mux = connect(pool, port);
  net::mux_conn::result r;
  std::thread t([&] { r = mux->call("never answered", 60s); });
  ASSERT_TRUE(test::wait_until([&] { return mux->requests_sent() == 1; }, 10s));
  srv.server.stop();  // shuts the connection down under the waiting caller
  t.join();
  EXPECT_EQ(r.kind, net::mux_conn::result::broken);
}
