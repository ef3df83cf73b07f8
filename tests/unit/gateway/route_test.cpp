// The gateway's route table and percent-decoding: every route, and bad targets answered with
// an error (never a crash, never a route on a path that was not asked for).
#include <gtest/gtest.h>

#include "core/gateway/request_target.hpp"

using namespace dfs::gateway;

namespace {

route ok(std::string_view method, std::string_view target) {
  auto r = parse_route(method, target);
  EXPECT_TRUE(r.ok()) << method << " " << target << ": " << (r.ok() ? "" : r.err().message);
  return r.ok() ? *r : route{};
}

target_errc err(std::string_view method, std::string_view target) {
  auto r = parse_route(method, target);
  EXPECT_FALSE(r.ok()) << method << " " << target;
  return r.ok() ? target_errc::ok : r.err().code;
}

}  // namespace

TEST(Route, Files) {
  auto g = ok("GET", "/files/docs/a.txt?version=3");
  EXPECT_EQ(g.kind, route_kind::get_file);
  EXPECT_EQ(g.path, "/docs/a.txt");
  EXPECT_EQ(g.query.at("version"), "3");
  EXPECT_EQ(ok("HEAD", "/files/a").kind, route_kind::get_file);
  EXPECT_EQ(ok("PUT", "/files/a?chunk_size=1MiB").kind, route_kind::put_file);
  EXPECT_EQ(ok("DELETE", "/files/a").kind, route_kind::delete_file);
  EXPECT_EQ(ok("DELETE", "/files/dir/").path, "/dir");
}

TEST(Route, ListingsHaveATrailingSlash) {
  auto l = ok("GET", "/files/docs/");
  EXPECT_EQ(l.kind, route_kind::list_dir);
  EXPECT_EQ(l.path, "/docs");
  EXPECT_EQ(ok("GET", "/files/").path, "/");
  EXPECT_EQ(ok("GET", "/files").kind, route_kind::list_dir);
  EXPECT_EQ(err("PUT", "/files/docs/"), target_errc::method_not_allowed);
  EXPECT_EQ(err("DELETE", "/files/"), target_errc::method_not_allowed);
}

TEST(Route, VersionsAndDirs) {
  auto v = ok("GET", "/versions/a/b?count=2");
  EXPECT_EQ(v.kind, route_kind::get_versions);
  EXPECT_EQ(v.path, "/a/b");
  EXPECT_EQ(ok("POST", "/dirs/new").kind, route_kind::make_dir);
  EXPECT_EQ(err("GET", "/dirs/new"), target_errc::method_not_allowed);
  EXPECT_EQ(err("PUT", "/versions/a"), target_errc::method_not_allowed);
}

TEST(Route, CopyAndMoveArePostsOnAFileWithTheirTarget) {
  auto c = ok("POST", "/files/a/b?copy_to=%2Fbackup%2F&recursive=1");
  EXPECT_EQ(c.kind, route_kind::copy_file);
  EXPECT_EQ(c.path, "/a/b");
  EXPECT_EQ(c.query.at("copy_to"), "/backup/");
  auto m = ok("POST", "/files/dir/?move_to=/elsewhere");
  EXPECT_EQ(m.kind, route_kind::move_file);
  EXPECT_EQ(m.path, "/dir");
  EXPECT_EQ(m.query.at("move_to"), "/elsewhere");
  EXPECT_EQ(err("POST", "/files/a"), target_errc::bad_request);                        // neither
  EXPECT_EQ(err("POST", "/files/a?copy_to=/b&move_to=/c"), target_errc::bad_request);  // both
}

TEST(Route, Queues) {
  auto c = ok("POST", "/queues?label=7");
  EXPECT_EQ(c.kind, route_kind::create_queue);
  EXPECT_EQ(c.query.at("label"), "7");
  auto g = ok("GET", "/queues/42");
  EXPECT_EQ(g.kind, route_kind::get_queue);
  EXPECT_EQ(g.queue_id, 42);
  EXPECT_EQ(ok("DELETE", "/queues/-3").queue_id, -3);
  EXPECT_EQ(ok("POST", "/queues/5/items").kind, route_kind::push_item);
  EXPECT_EQ(ok("POST", "/queues/5/pop").kind, route_kind::pop_item);
  EXPECT_EQ(err("GET", "/queues/5/pop"), target_errc::method_not_allowed);
  EXPECT_EQ(err("POST", "/queues/x/pop"), target_errc::bad_request);
  EXPECT_EQ(err("POST", "/queues/99999999999999999999"), target_errc::bad_request);
  EXPECT_EQ(err("POST", "/queues/5/other"), target_errc::not_found);
  EXPECT_EQ(err("GET", "/queues"), target_errc::method_not_allowed);
}

TEST(Route, PercentDecoding) {
  EXPECT_EQ(ok("GET", "/files/a%20b/%C3%BC").path, "/a b/\xc3\xbc");
  EXPECT_EQ(ok("GET", "/files/a+b").path, "/a+b");  // '+' is only a space in queries
  EXPECT_EQ(ok("GET", "/files/x?q=a+b%2B").query.at("q"), "a b+");
  EXPECT_EQ(err("GET", "/files/a%00b"), target_errc::bad_request);
  EXPECT_EQ(err("GET", "/files/a%zz"), target_errc::bad_request);
  EXPECT_EQ(err("GET", "/files/a%4"), target_errc::bad_request);
  EXPECT_EQ(err("GET", "/files/a%"), target_errc::bad_request);
  EXPECT_EQ(err("GET", "/files/a?x=%"), target_errc::bad_request);
}

TEST(Route, BadTargets) {
  EXPECT_EQ(err("GET", ""), target_errc::bad_request);
  EXPECT_EQ(err("GET", "http://host/files/a"), target_errc::bad_request);
  EXPECT_EQ(err("GET", "*"), target_errc::bad_request);
  EXPECT_EQ(err("GET", "/"), target_errc::not_found);
  EXPECT_EQ(err("GET", "/filesx/a"), target_errc::not_found);
  EXPECT_EQ(err("GET", "/etc/passwd"), target_errc::not_found);
  EXPECT_EQ(err("PATCH", "/files/a"), target_errc::method_not_allowed);
  EXPECT_EQ(err("GET", "/files/" + std::string(max_target_bytes, 'a')), target_errc::bad_request);
  std::string many = "/files/a?";
  for (size_t i = 0; i <= max_query_params; ++i) many += "k" + std::to_string(i) + "=1&";
  EXPECT_EQ(err("GET", many), target_errc::bad_request);
  EXPECT_EQ(status_of(target_errc::not_found), 404u);
  EXPECT_EQ(status_of(target_errc::method_not_allowed), 405u);
  EXPECT_EQ(status_of(target_errc::bad_request), 400u);
}

TEST(Route, DotDotIsLeftToThePathRules) {
  // The route keeps the decoded path; the master's path rules (client library) refuse it.
  EXPECT_EQ(ok("GET", "/files/a/%2E%2E/b").path, "/a/../b");
}

TEST(Route, QueryNumbers) {
  auto r = ok("GET", "/files/a?version=12&bad=-1&big=99999999999999999999");
  uint64_t v = 0;
  bool present = false;
  EXPECT_TRUE(query_u64(r, "version", v, present));
  EXPECT_TRUE(present);
  EXPECT_EQ(v, 12u);
  EXPECT_TRUE(query_u64(r, "none", v, present));
  EXPECT_FALSE(present);
  EXPECT_FALSE(query_u64(r, "bad", v, present));
  EXPECT_FALSE(query_u64(r, "big", v, present));
}

TEST(Route, QuerySwitches) {
  auto r = ok("POST", "/dirs/a/b?parents=1&t=true&bare&off=0&no=false&bad=yes");
  bool on = false;
  for (auto name : {"parents", "t", "bare"}) {
    EXPECT_TRUE(query_bool(r, name, on)) << name;
    EXPECT_TRUE(on) << name;
  }
  for (auto name : {"off", "no", "absent"}) {
    on = true;
    EXPECT_TRUE(query_bool(r, name, on)) << name;
    EXPECT_FALSE(on) << name;
  }
  EXPECT_FALSE(query_bool(r, "bad", on));
}
