// JSON rendering (escaping, invalid UTF-8), bearer tokens (forged, expired, wrong key, wrong
// scheme, server kind) and the status of every error.
#include <gtest/gtest.h>

#include "core/gateway/bearer.hpp"
#include "core/gateway/json.hpp"
#include "core/gateway/status.hpp"

using namespace dfs;
using namespace dfs::gateway;

TEST(Json, Strings) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("l\n\t\x01\x7f"), "\"l\\n\\t\\u0001\\u007f\"");
  EXPECT_EQ(json_string("\xc3\xbc"), "\"\xc3\xbc\"");
  EXPECT_EQ(json_string("a\xff"
                        "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(json_string("\xe2\x80\xa8"), "\"\\u2028\"");
  EXPECT_EQ(json_string(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(Json, Documents) {
  EXPECT_EQ(render_error("no such file '/x'"), "{\"error\":\"no such file '/x'\"}");
  ns_entry f{"a.txt", false, 10, 1700, 2, 1};
  ns_entry d{"sub", true, 0, 1800, 0, 3};
  EXPECT_EQ(render_listing("/d", {f, d}),
            "{\"path\":\"/d\",\"entries\":[{\"name\":\"a.txt\",\"type\":\"file\",\"size\":10,"
            "\"versions\":2,\"mtime_ms\":1700},{\"name\":\"sub\",\"type\":\"dir\",\"size\":0,"
            "\"versions\":0,\"mtime_ms\":1800}]}");
  EXPECT_EQ(render_listing("/", {}), "{\"path\":\"/\",\"entries\":[]}");
  ns_version v{3, 99, 1000, 64, 16};
  EXPECT_EQ(render_versions("/a", {v}),
            "{\"path\":\"/a\",\"versions\":[{\"version\":3,\"size\":1000,\"mtime_ms\":99,"
            "\"chunk_size\":64,\"chunks\":16}]}");
  EXPECT_EQ(render_put("/a", v), "{\"path\":\"/a\",\"version\":3,\"size\":1000}");
}

namespace {

const std::string key = bearer_token_key("cluster secret for tests");

std::string bearer(principal_kind k, uint64_t expiry, const std::string& with_key = key) {
  return "Bearer " + security::sign_auth_token({k, "alice", expiry}, with_key);
}

}  // namespace

TEST(Bearer, Verifies) {
  auto r = check_authorization(bearer(principal_kind::client, 100), key, 50);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->subject, "alice");
  EXPECT_EQ(r->kind, principal_kind::client);
  EXPECT_TRUE(
      check_authorization("bEaReR  " + bearer(principal_kind::admin, 100).substr(7) + " ", key, 50)
          .ok());
}

TEST(Bearer, Refusals) {
  using security::token_errc;
  auto code = [](const std::string& h, uint64_t now = 50) {
    auto r = check_authorization(h, key, now);
    return r.ok() ? token_errc::ok : r.err().code;
  };
  EXPECT_EQ(code(""), token_errc::malformed);
  EXPECT_EQ(code("Basic YWxpY2U6eA=="), token_errc::malformed);
  EXPECT_EQ(code("Bearer"), token_errc::malformed);
  EXPECT_EQ(code("Bearer "), token_errc::malformed);
  EXPECT_EQ(code("Bearer garbage"), token_errc::malformed);
  EXPECT_EQ(code(bearer(principal_kind::client, 100), 100), token_errc::expired);
  EXPECT_EQ(code(bearer(principal_kind::client, 100, bearer_token_key("other cluster"))),
            token_errc::bad_signature);
  // A control-plane login token (other key) is not an HTTP credential.
  EXPECT_EQ(code(bearer(principal_kind::client, 100,
                        security::auth_token_key("cluster secret "
                                                 "for tests"))),
            token_errc::bad_signature);
  auto forged = bearer(principal_kind::client, 100);
  forged.replace(forged.find(".client."), 8, ".admin.");
  EXPECT_EQ(code(forged), token_errc::bad_signature);
  EXPECT_EQ(code(bearer(principal_kind::server, 100)), token_errc::forbidden);
  EXPECT_EQ(code("Bearer " + std::string(5000, 'a')), token_errc::malformed);
}

TEST(Status, Mapping) {
  EXPECT_EQ(status_of(master::errc::invalid_path), 400u);
  EXPECT_EQ(status_of(master::errc::not_found), 404u);
  EXPECT_EQ(status_of(master::errc::already_exists), 409u);
  EXPECT_EQ(status_of(master::errc::directory_not_empty), 409u);
  EXPECT_EQ(status_of(master::errc::no_servers), 503u);
  EXPECT_EQ(status_of(master::errc::ok), 503u);
  EXPECT_EQ(queue_status_of(queue_outcome::failed, "queue is empty"), 409u);
  EXPECT_EQ(queue_status_of(queue_outcome::failed, "unknown queue id"), 404u);
  EXPECT_EQ(queue_status_of(queue_outcome::refused, "not in primary partition"), 503u);
  EXPECT_EQ(queue_status_of(queue_outcome::unknown, "no answer within 5000 ms"), 504u);
  EXPECT_EQ(status_of(security::token_errc::expired), 401u);
  EXPECT_EQ(status_of(security::token_errc::forbidden), 403u);
}
