#pragma once
// The node's Prometheus metrics (issue 16 item 4): one registry per process, created by the
// server (roles/server.cpp) and handed to whatever counts. Served as text at GET /metrics by our
// own http_server, so the same TLS and credentials guard it as the gateway (not prometheus-cpp's
// civetweb exposer, which knows neither).
//
// Counters and histograms are updated where things happen (prometheus-cpp's are lock-free).
// State owned by an actor is copied into gauges by the actor itself, or by a refresh callback
// run at each scrape (`on_scrape`), which must return quickly.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "net/http_exchange.hpp"

namespace dfs::net {

class metrics {
 public:
  metrics();
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  // Shorthands for a family in this registry (names must follow dfs_..._total etc.).
  prometheus::Family<prometheus::Counter>& counter(const std::string& name,
                                                   const std::string& help);
  prometheus::Family<prometheus::Gauge>& gauge(const std::string& name, const std::string& help);

  // Run at every scrape before the registry is read.
  void on_scrape(std::function<void()> refresh);

  // One HTTP request answered: method (unknown methods as "other", so that clients cannot grow
  // the label set), status and time from complete header to answer.
  void count_http(std::string_view method, unsigned status, double seconds);
  // A request refused before any handler ran (401, 403, 400, 431): counted, not timed.
  void count_refused(std::string_view method, unsigned status);

  // dfs_port_bytes_total{port, direction}: application bytes through one of the node's ports
  // (control, gossip, data, multicast, http), direction "in" or "out". Both from fixed sets.
  prometheus::Counter& port_bytes(const char* port, const char* direction);

  // The text exposition format 0.0.4 of every metric, refreshed now.
  std::string scrape();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_seconds_;
  prometheus::Family<prometheus::Counter>* port_bytes_;
  prometheus::Gauge* rss_;
  prometheus::Gauge* fds_;
  prometheus::Gauge* threads_;
  std::mutex mu_;  // refresh_ and the scrape itself (one at a time)
  std::vector<std::function<void()>> refresh_;
};

// A count kept elsewhere that only grows (a core's counters, a socket's bytes) fed into a
// Prometheus counter, which only takes increments: advance() adds what grew since its last call.
struct counter_mark {
  prometheus::Counter* counter = nullptr;
  uint64_t seen = 0;
  void advance(uint64_t now) {
    if (counter && now > seen) counter->Increment(static_cast<double>(now - seen));
    seen = now;
  }
};

// The text format's content type.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// If the request is for /metrics: answers it (GET or HEAD; 405 otherwise) and returns true.
bool serve_metrics(metrics& m, http_exchange& ex);

}  // namespace dfs::net
