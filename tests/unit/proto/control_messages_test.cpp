// Every control message type survives CAF's binary serializer unchanged.
#include <caf/all.hpp>

#include "proto/interfaces.hpp"
#include "proto/registry.hpp"
#include "roundtrip.hpp"

using namespace dfs;
using dfs::test::expect_roundtrip;

namespace {

node_id nid(uint16_t port) {
  return node_id{"127.0.0.1", port, 1719000000000ull + port};
}

}  // namespace

TEST(ControlMessages, Ids) {
  expect_roundtrip(nid(17010));
  expect_roundtrip(endpoint{"10.0.0.1", 17000});
}

TEST(ControlMessages, Chunkserver) {
  std::vector<chunk_report> chunks = {{1, 3, 65536}, {0xffffffffffffffffull, 1, 0}};
  expect_roundtrip(
      chunkserver_registration{nid(17100), 17101, "zone-a", 1ull << 40, 1ull << 39, 4096, chunks});
  expect_roundtrip(registration_ack{nid(17010), 1000, {7, 8}});
  expect_roundtrip(chunkserver_heartbeat{nid(17100),
                                         42,
                                         1ull << 40,
                                         12345,
                                         99,
                                         chunks,
                                         {5},
                                         {{9, 10, true, ""}, {11, 12, false, "source gone"}},
                                         {{13, 14}},
                                         {{15, 2, true}, {16, 3, false}}});
  expect_roundtrip(heartbeat_reply{true, {}, {}, {}, {}});
  expect_roundtrip(heartbeat_reply{false, {1, 2, 3}, {}, {{15, 2, 9900}}, {{16, 3}}});
}

TEST(ControlMessages, Admin) {
  expect_roundtrip(admin_request{{"log-level", "debug"}});
  expect_roundtrip(admin_request{{}});
  expect_roundtrip(admin_request{{"leave"}, 3});
  expect_roundtrip(admin_reply{0, "NODE  STATE\nx     healthy\n"});
  expect_roundtrip(admin_reply{1, "unknown command"});
}

TEST(ControlMessages, Login) {
  expect_roundtrip(
      login_proof{std::string(40, '\x01'), "-----BEGIN CERTIFICATE-----\n", std::string(72, 's')});
  expect_roundtrip(login_result{"dfs1.client.1.61.00", 2, 3600});
}
