// net::metrics without a server: the text it serves, label bounding, scrape-time refresh.
#include "net/metrics.hpp"

#include <gtest/gtest.h>

namespace dfs::net {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Metrics, ScrapeHasProcessGaugesAndHttpCounts) {
  metrics m;
  m.count_http("GET", 200, 0.003);
  m.count_http("GET", 200, 0.2);
  m.count_refused("", 401);
  auto text = m.scrape();
  EXPECT_TRUE(contains(text, "# TYPE dfs_http_requests_total counter")) << text;
  EXPECT_TRUE(contains(text, "dfs_http_requests_total{method=\"GET\",status=\"200\"} 2")) << text;
  EXPECT_TRUE(contains(text, "dfs_http_requests_total{method=\"other\",status=\"401\"} 1")) << text;
  EXPECT_TRUE(contains(text, "dfs_http_request_duration_seconds_count{method=\"GET\"} 2")) << text;
  EXPECT_TRUE(contains(text, "# TYPE dfs_process_resident_memory_bytes gauge")) << text;
  EXPECT_FALSE(contains(text, "dfs_process_resident_memory_bytes 0\n")) << text;
}

TEST(Metrics, MethodsOutsideTheKnownSetShareOneLabel) {
  metrics m;
  for (auto method : {"BREW", "X-evil\"label", "get"}) m.count_http(method, 400, 0.001);
  auto text = m.scrape();
  EXPECT_TRUE(contains(text, "dfs_http_requests_total{method=\"other\",status=\"400\"} 3")) << text;
  EXPECT_FALSE(contains(text, "BREW")) << text;
}

TEST(Metrics, RefreshCallbacksRunAtEachScrape) {
  metrics m;
  auto& g = m.gauge("dfs_test_value", "a test gauge").Add({});
  int n = 0;
  m.on_scrape([&] { g.Set(++n); });
  m.scrape();
  EXPECT_TRUE(contains(m.scrape(), "dfs_test_value 2"));
}

// A count that only grows elsewhere becomes increments; one that went back (a new connection's
// byte count, a restarted core) adds nothing and counts on from its new value.
TEST(Metrics, CounterMarkAddsWhatGrewSinceItsLastCall) {
  metrics m;
  auto& c = m.counter("dfs_test_total", "a test counter").Add({});
  counter_mark mark{&c};
  mark.advance(5);
  mark.advance(5);
  mark.advance(12);
  EXPECT_EQ(c.Value(), 12);
  mark.advance(3);
  EXPECT_EQ(c.Value(), 12);
  mark.advance(4);
  EXPECT_EQ(c.Value(), 13);
  counter_mark none;  // no metrics configured: a no-op
  none.advance(7);
}

}  // namespace
}  // namespace dfs::net
