#include "core/master/path.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace dfs::master;

namespace {

// Expects parse_path to fail with invalid_path and a message naming the path and `why`.
void expect_invalid(const std::string& path, const std::string& why) {
  auto r = parse_path(path);
  ASSERT_FALSE(r.ok()) << "accepted " << path;
  EXPECT_EQ(r.err().code, errc::invalid_path);
  EXPECT_NE(r.err().message.find("invalid path"), std::string::npos) << r.err().message;
  EXPECT_NE(r.err().message.find(why), std::string::npos) << r.err().message;
}

}  // namespace

TEST(Path, RootHasNoComponents) {
  auto r = parse_path("/");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->is_root());
  EXPECT_EQ(r->text(), "/");
}

TEST(Path, ComponentsAndParent) {
  auto r = parse_path("/a/bb/c.txt");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->components.size(), 3u);
  EXPECT_EQ(r->name(), "c.txt");
  EXPECT_EQ(r->parent().text(), "/a/bb");
  EXPECT_EQ(r->text(), "/a/bb/c.txt");
}

TEST(Path, DotsInsideNamesAreFine) {
  EXPECT_TRUE(parse_path("/.hidden/a..b/...").ok());
}

TEST(Path, Empty) {
  expect_invalid("", "empty");
}
TEST(Path, Relative) {
  expect_invalid("a/b", "not absolute");
}
TEST(Path, DoubleSlash) {
  expect_invalid("/a//b", "empty component");
}
TEST(Path, TrailingSlash) {
  expect_invalid("/a/", "empty component");
}
TEST(Path, DotComponent) {
  expect_invalid("/a/./b", "'.' and '..'");
}
TEST(Path, DotDotComponent) {
  expect_invalid("/a/../b", "'.' and '..'");
}
TEST(Path, TrailingDotDot) {
  expect_invalid("/a/..", "'.' and '..'");
}

TEST(Path, NulByte) {
  expect_invalid(std::string("/a\0b", 4), "NUL");
  // The message shows the byte escaped, not raw.
  auto r = parse_path(std::string("/a\0b", 4));
  EXPECT_NE(r.err().message.find("\"/a\\x00b\""), std::string::npos) << r.err().message;
}

TEST(Path, ComponentLimit) {
  EXPECT_TRUE(parse_path("/" + std::string(255, 'x')).ok());
  expect_invalid("/" + std::string(256, 'x'), "component longer than 255");
}

TEST(Path, PathLimit) {
  std::string ok;
  while (ok.size() + 101 <= 4096) ok += "/" + std::string(100, 'y');
  ok += "/" + std::string(4096 - ok.size() - 1, 'z');
  ASSERT_EQ(ok.size(), 4096u);
  EXPECT_TRUE(parse_path(ok).ok());
  expect_invalid(ok + "z", "longer than 4096");
}

TEST(Path, LongPathQuotedTruncated) {
  auto r = parse_path(std::string(5000, 'q'));
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.err().message.size(), 300u);
  EXPECT_NE(r.err().message.find("..."), std::string::npos);
}
