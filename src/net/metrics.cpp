#include "net/metrics.hpp"

#include <sstream>

#include <prometheus/text_serializer.h>

#include "common/proc_stats.hpp"
#include "core/gateway/json.hpp"

namespace dfs::net {

namespace {

// Seconds from 1 ms to 1 min: metadata calls sit at the low end, large transfers at the top.
const prometheus::Histogram::BucketBoundaries http_buckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

std::string method_label(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"})
    if (m == known) return std::string(known);
  return "other";
}

}  // namespace

metrics::metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  http_requests_ = &counter("dfs_http_requests_total",
                            "HTTP requests answered on the HTTP port, by method and status");
  http_seconds_ = &prometheus::BuildHistogram()
                       .Name("dfs_http_request_duration_seconds")
                       .Help("Time from a complete request header to the end of the answer")
                       .Register(*registry_);
  port_bytes_ = &counter("dfs_port_bytes_total",
                         "Application bytes through the node's ports (control, gossip, data, "
                         "multicast, http), by direction (in, out)");
  rss_ = &gauge("dfs_process_resident_memory_bytes", "Resident memory of this process").Add({});
  fds_ = &gauge("dfs_process_open_fds", "Open file descriptors of this process").Add({});
  threads_ = &gauge("dfs_process_threads", "Threads of this process").Add({});
}

prometheus::Family<prometheus::Counter>& metrics::counter(const std::string& name,
                                                          const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
}

prometheus::Family<prometheus::Gauge>& metrics::gauge(const std::string& name,
                                                      const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
}

prometheus::Counter& metrics::port_bytes(const char* port, const char* direction) {
  return port_bytes_->Add({{"port", port}, {"direction", direction}});
}

void metrics::on_scrape(std::function<void()> refresh) {
  std::lock_guard lk(mu_);
  refresh_.push_back(std::move(refresh));
}

void metrics::count_http(std::string_view method, unsigned status, double seconds) {
  auto m = method_label(method);
  http_requests_->Add({{"method", m}, {"status", std::to_string(status)}}).Increment();
  http_seconds_->Add({{"method", m}}, http_buckets).Observe(seconds);
}

void metrics::count_refused(std::string_view method, unsigned status) {
  http_requests_->Add({{"method", method_label(method)}, {"status", std::to_string(status)}})
      .Increment();
}

std::string metrics::scrape() {
  std::lock_guard lk(mu_);
  auto p = read_proc_stats();
  rss_->Set(static_cast<double>(p.rss_bytes));
  fds_->Set(static_cast<double>(p.open_fds));
  threads_->Set(static_cast<double>(p.threads));
  for (auto& r : refresh_) r();
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, registry_->Collect());
  return out.str();
}

bool serve_metrics(metrics& m, http_exchange& ex) {
  auto target = ex.head().target();
  auto path = target.substr(0, target.find('?'));
  if (path != "/metrics") return false;
  auto verb = ex.head().method();
  if (verb != boost::beast::http::verb::get && verb != boost::beast::http::verb::head) {
    ex.respond(405, gateway::render_error("method not allowed: /metrics is GET only"),
               "application/json", {{"Allow", "GET, HEAD"}});
    return true;
  }
  ex.respond(200, m.scrape(), metrics_content_type);
  return true;
}

}  // namespace dfs::net
