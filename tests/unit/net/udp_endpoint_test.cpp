#include "net/udp_endpoint.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/process.hpp"

using namespace dfs;

TEST(UdpEndpoint, SendsAndReceivesOnLoopback) {
  auto base = test::free_port_block(2, 41000);
  net::udp_endpoint a, b;
  ASSERT_EQ(a.bind("127.0.0.1", base), "");
  ASSERT_EQ(b.bind("127.0.0.1", static_cast<uint16_t>(base + 1)), "");
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> got;
  endpoint from;
  b.start([&](const endpoint& f, std::string d) {
    std::lock_guard<std::mutex> g{m};
    from = f;
    got.push_back(std::move(d));
    cv.notify_all();
  });
  a.start([](const endpoint&, std::string) {});
  for (int i = 0; i < 3; ++i)
    a.send_to({"127.0.0.1", static_cast<uint16_t>(base + 1)}, "d" + std::to_string(i));
  std::unique_lock<std::mutex> lk{m};
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(5), [&] { return got.size() == 3; }));
  EXPECT_EQ(from.port, base);
  EXPECT_EQ(b.counters().packets_received.load(), 3u);
  lk.unlock();
  EXPECT_TRUE(test::wait_until([&] { return a.counters().packets_sent.load() == 3; },
                               std::chrono::seconds(5)));
  a.send_to({"not an address", 1}, "x");
  EXPECT_TRUE(test::wait_until([&] { return a.counters().send_errors.load() == 1; },
                               std::chrono::seconds(5)));
  a.stop();
  b.stop();
}

TEST(UdpEndpoint, BindErrorIsReported) {
  net::udp_endpoint a;
  EXPECT_NE(a.bind("nonsense", 1).find("bad address"), std::string::npos);
}

// Sends run on the caller's thread: many threads at once all arrive, and a send after stop()
// is counted as an error instead of writing to a closed (possibly reused) descriptor.
TEST(UdpEndpoint, ConcurrentSendersAllArriveAndASendAfterStopIsAnError) {
  auto base = test::free_port_block(2, 41100);
  net::udp_endpoint a, b;
  ASSERT_EQ(a.bind("127.0.0.1", base), "");
  ASSERT_EQ(b.bind("127.0.0.1", static_cast<uint16_t>(base + 1)), "");
  std::atomic<int> got{0};
  b.start([&](const endpoint&, std::string) { ++got; });
  a.start([](const endpoint&, std::string) {});
  constexpr int threads = 4, each = 25;  // well within the default receive buffer
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t)
    senders.emplace_back([&] {
      for (int i = 0; i < each; ++i)
        a.send_to({"127.0.0.1", static_cast<uint16_t>(base + 1)}, std::string(100, 'x'));
    });
  for (auto& s : senders) s.join();
  EXPECT_TRUE(
      test::wait_until([&] { return got.load() == threads * each; }, std::chrono::seconds(5)))
      << got.load() << " of " << threads * each << " datagrams arrived";
  EXPECT_EQ(a.counters().packets_sent.load(), uint64_t{threads * each});
  a.stop();
  a.send_to({"127.0.0.1", static_cast<uint16_t>(base + 1)}, "late");
  EXPECT_EQ(a.counters().send_errors.load(), 1u);
  b.stop();
}

// Datagrams that wait together in the socket are delivered in order, then the batch's end runs
// once (the sequencer sends its answers to them together there). The first datagram's callback
// holds the receiver until ten more wait.
TEST(UdpEndpoint, DatagramsWaitingTogetherAreOneBatchInOrder) {
  auto base = test::free_port_block(2, 41200);
  net::udp_endpoint a, b;
  ASSERT_EQ(a.bind("127.0.0.1", base), "");
  ASSERT_EQ(b.bind("127.0.0.1", static_cast<uint16_t>(base + 1)), "");
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::vector<std::string> events;
  b.start(
      [&](const endpoint&, std::string d) {
        std::unique_lock<std::mutex> g{m};
        events.push_back(d);
        cv.notify_all();
        cv.wait(g, [&] { return release; });
      },
      [&] {
        std::lock_guard<std::mutex> g{m};
        events.push_back("end");
        cv.notify_all();
      });
  a.start([](const endpoint&, std::string) {});
  const endpoint to{"127.0.0.1", static_cast<uint16_t>(base + 1)};
  a.send_to(to, "d0");
  {
    std::unique_lock<std::mutex> g{m};
    ASSERT_TRUE(cv.wait_for(g, std::chrono::seconds(5), [&] { return events.size() == 1; }));
  }
  for (int i = 1; i <= 10; ++i) a.send_to(to, "d" + std::to_string(i));
  // On loopback a sent datagram is in the receiver's socket once sendto returns.
  ASSERT_TRUE(test::wait_until([&] { return a.counters().packets_sent.load() == 11; },
                               std::chrono::seconds(5)));
  std::unique_lock<std::mutex> g{m};
  release = true;
  cv.notify_all();
  ASSERT_TRUE(cv.wait_for(g, std::chrono::seconds(5), [&] { return events.size() == 12; }));
  std::vector<std::string> want;
  for (int i = 0; i <= 10; ++i) want.push_back("d" + std::to_string(i));
  want.push_back("end");
  EXPECT_EQ(events, want);
  g.unlock();
  a.stop();
  b.stop();
}
