// Range headers against file sizes, entity tags and If-None-Match.
#include <gtest/gtest.h>

#include "core/gateway/byte_range.hpp"
#include "core/gateway/etag.hpp"

using namespace dfs::gateway;

namespace {

void expect_partial(std::string_view h, uint64_t size, uint64_t first, uint64_t length) {
  auto r = parse_range(h, size);
  EXPECT_EQ(r.outcome, range_outcome::partial) << h;
  EXPECT_EQ(r.first, first) << h;
  EXPECT_EQ(r.length, length) << h;
}

void expect_outcome(std::string_view h, uint64_t size, range_outcome o) {
  EXPECT_EQ(parse_range(h, size).outcome, o) << h << " size " << size;
}

}  // namespace

TEST(Range, Forms) {
  expect_partial("bytes=0-9", 100, 0, 10);
  expect_partial("bytes=10-", 100, 10, 90);
  expect_partial("bytes=-5", 100, 95, 5);
  expect_partial("bytes=-500", 100, 0, 100);
  expect_partial("bytes=90-200", 100, 90, 10);  // clipped at the end
  expect_partial(" bytes= 1 - 1 ", 100, 1, 1);
  expect_partial("bytes=99-99", 100, 99, 1);
}

TEST(Range, Unsatisfiable) {
  expect_outcome("bytes=100-", 100, range_outcome::unsatisfiable);
  expect_outcome("bytes=100-200", 100, range_outcome::unsatisfiable);
  expect_outcome("bytes=0-", 0, range_outcome::unsatisfiable);
  expect_outcome("bytes=-0", 100, range_outcome::unsatisfiable);
  expect_outcome("bytes=-5", 0, range_outcome::unsatisfiable);
}

TEST(Range, IgnoredHeadersServeTheWholeFile) {
  for (auto h :
       {"", "bytes", "bytes=", "bytes=-", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=0-1,5-6",
        "bytes=+1-2", "bytes=1-+2", "bytes=99999999999999999999-", "bytes=0x1-2", "bytes=1--2"})
    expect_outcome(h, 100, range_outcome::whole);
}

TEST(Etag, NamesVersionAndContent) {
  auto a = make_etag(3, 100, {1, 2});
  EXPECT_EQ(a.front(), '"');
  EXPECT_EQ(a.back(), '"');
  EXPECT_EQ(a.substr(0, 4), "\"v3-");
  EXPECT_EQ(a, make_etag(3, 100, {1, 2}));
  EXPECT_NE(a, make_etag(4, 100, {1, 2}));
  EXPECT_NE(a, make_etag(3, 100, {2, 1}));
  EXPECT_NE(a, make_etag(3, 101, {1, 2}));
}

TEST(Etag, IfNoneMatch) {
  auto t = make_etag(1, 5, {9});
  EXPECT_TRUE(etag_matches(t, t));
  EXPECT_TRUE(etag_matches("\"x\", " + t, t));
  EXPECT_TRUE(etag_matches("W/" + t, t));
  EXPECT_TRUE(etag_matches("*", t));
  EXPECT_FALSE(etag_matches("\"x\"", t));
  EXPECT_FALSE(etag_matches("", t));
  EXPECT_FALSE(etag_matches(",,,", t));
}
