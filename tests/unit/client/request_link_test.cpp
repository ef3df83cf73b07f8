// What a failed call of the request port says about the request: `unsent` only when it cannot
// have reached the node. The queue client takes a refusal from every fileserver, with no try in
// doubt, for "not applied"; a call the node read before it went away must stay in doubt.
#include "client/request_link.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "common/certificates.hpp"
#include "common/ports.hpp"
#include "common/process.hpp"
#include "common/temp_dir.hpp"
#include "net/data_server.hpp"
#include "net/tls_context.hpp"

using namespace dfs;
using namespace std::chrono_literals;

namespace {

struct RequestLink : ::testing::Test {
  test::temp_dir tmp;
  std::string ca = tmp.path() + "/ca";
  config cfg;
  std::shared_ptr<net::tls_context> server_tls;

  void SetUp() override {
    pki::create_ca(ca);
    pki::issue_certificate(ca, "node", principal_kind::server, {"127.0.0.1"});
    pki::issue_certificate(ca, "alice", principal_kind::client, {});
    server_tls = std::make_shared<net::tls_context>(
        net::tls_files{ca + "/ca.crt", ca + "/node.crt", ca + "/node.key"}, net::tls_side::server);
    cfg.cluster.name = "request-link-test";
    cfg.tls.ca = ca + "/ca.crt";
    cfg.tls.cert = ca + "/alice.crt";
    cfg.tls.key = ca + "/alice.key";
    cfg.client.timeout_ms = 5000;
  }

  // The request port of a node whose control port is `port`.
  net::data_server_options server_opts(uint16_t port) {
    net::data_server_options o;
    o.port = request_port_of(port);
    o.cluster = net::cluster_id(cfg.cluster.name);
    o.max_connections = 4;
    o.tls = server_tls;
    return o;
  }
};

request_link::outcome ask(request_link& link, uint16_t port) {
  return link.exchange({"127.0.0.1", port}, proto::request_method::ns, "q", 3s);
}

}  // namespace

// The node answers the first request, reads the second on the same (pooled) connection and
// goes away without answering it: its listener closes first, then the connection. The link's
// retry on a new connection is refused, and the call must not say the request was never sent.
TEST_F(RequestLink, ANodeThatReadTheRequestAndWentAwayLeavesTheCallInDoubt) {
  auto port = test::free_port_block(5, 43000);
  std::atomic<int> requests{0};
  std::promise<void> second_read;
  net::data_server srv(server_opts(port), [&](net::frame_conn& c) {
    net::frame f;
    while (c.read(f) == net::frame_error::none) {
      if (++requests == 1) {
        if (!c.reply(static_cast<uint32_t>(proto::request_status::ok), "", "first")) return;
        continue;
      }
      second_read.set_value();  // and read on, until the stop shuts the connection down
    }
  });
  srv.start();
  request_link link(cfg, false);
  auto first = ask(link, port);
  ASSERT_EQ(first.kind, request_link::outcome::answered) << first.text;
  EXPECT_EQ(first.body, "first");
  auto call = std::async(std::launch::async, [&] { return ask(link, port); });
  ASSERT_EQ(second_read.get_future().wait_for(10s), std::future_status::ready);
  srv.stop();  // stops accepting, then shuts the connection down
  auto second = call.get();
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(second.kind, request_link::outcome::failed) << second.text;
  EXPECT_FALSE(second.unsent) << second.text;
}

// The node went away before the call: the pooled connection is seen closed and dropped, the new
// one is refused, and the request cannot have reached the node: `unsent` stays.
TEST_F(RequestLink, ANodeGoneBeforeTheCallLeavesItUnsent) {
  auto port = test::free_port_block(5, 43010);
  net::data_server srv(server_opts(port), [](net::frame_conn& c) {
    net::frame f;
    while (c.read(f) == net::frame_error::none)
      if (!c.reply(static_cast<uint32_t>(proto::request_status::ok), "", "ok")) return;
  });
  srv.start();
  request_link link(cfg, false);
  ASSERT_EQ(ask(link, port).kind, request_link::outcome::answered);
  srv.stop();
  auto o = ask(link, port);
  EXPECT_EQ(o.kind, request_link::outcome::failed) << o.text;
  EXPECT_TRUE(o.unsent) << o.text;
}
