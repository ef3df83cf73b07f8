// Names through the real CLI and console: a newline (or another control character, or invalid
// UTF-8) in a name is refused by put and mkdir with exit code 1 and one clear line, the master
// refuses it too when asked directly, and both nodes stay up; multi-byte UTF-8 names work; what
// ls, stat and the admin console print is escaped.
#include <gtest/gtest.h>

#include "cluster/security/small_cluster.hpp"

using namespace dfs::test;

namespace {

// A zone with an ESC sequence: the chunkservers table on the console must not pass it on.
const std::string esc_zone = "\x1b[31mred";

struct Names : ::testing::Test {
  small_cluster s;

  void SetUp() override {
    ASSERT_TRUE(s.start({}, {"chunkserver.zone=" + esc_zone}));
    write_all(s.local("small"), "small file\n");
  }
  // Exit 1, one line on stderr, with `needle` in it and no raw control character.
  static void expect_refused(const run_result& r, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(lines_in(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
  }
};

}  // namespace

TEST_F(Names, NewlineInANameIsRefusedByPutAndMkdirAndTheNodesStayUp) {
  const std::string why = "control character U+000A in a name";
  expect_refused(s.cli({"mkdir", "/a\nb"}), "error: invalid path \"/a\\nb\": " + why);
  expect_refused(s.cli({"put", s.local("small"), "/x\ny"}),
                 "error: invalid path \"/x\\ny\": " + why);
  expect_refused(s.cli({"put", s.local("small"), "/ok/\n"}), "invalid path \"/ok/\\n\": " + why);
  // The client checks before sending; the master applies the same rule to what it is sent.
  auto console = s.c.admin(small_cluster::master_index, {"chunks", "/a\nb"});
  EXPECT_EQ(console.exit_code, 1);
  EXPECT_EQ(console.err, "error: invalid path \"/a\\nb\": " + why + "\n");

  expect_refused(s.cli({"mkdir", "/esc\x1b[2J"}), "control character U+001B");
  expect_refused(s.cli({"put", s.local("small"), "/bad\xff"}),
                 "not valid UTF-8 (byte 0xff at offset 3 of a name)");
  expect_refused(s.cli({"mkdir", "/\xed\xa0\x80"}), "not valid UTF-8");  // a surrogate

  EXPECT_TRUE(s.running());
  EXPECT_TRUE(s.healthy());
  auto ls = s.cli({"ls", "/"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, "");  // nothing was created
  EXPECT_EQ(s.cli({"mkdir", "/fine"}).exit_code, 0);
}

TEST_F(Names, MultiByteUtf8NamesWork) {
  ASSERT_EQ(s.cli({"mkdir", "/日本"}).exit_code, 0);
  auto put = s.cli({"put", s.local("small"), "/日本/café"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  auto ls = s.cli({"ls", "/日本"});
  EXPECT_EQ(ls.out, "café\n");
  auto get = s.cli({"get", "/日本/café", s.local("back")});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(read_all(s.local("back")), "small file\n");
}

// Names the rules allow but a terminal would misread: a bidi override (which shows
// "invoice<RLO>gpj.exe" as "invoiceexe.jpg") and a backslash (which could fake an escape).
TEST_F(Names, LsStatAndConsoleEscapeWhatTheyPrint) {
  ASSERT_EQ(s.cli({"mkdir", "/e"}).exit_code, 0);
  for (auto name : {"invoice\xe2\x80\xae"
                    "gpj.exe",
                    "back\\slash"}) {
    auto r = s.cli({"put", s.local("small"), std::string("/e/") + name});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto ls = s.cli({"ls", "/e"});
  EXPECT_EQ(ls.out, "back\\\\slash\ninvoice\\u202egpj.exe\n");
  auto ll = s.cli({"ls", "-l", "/e"});
  EXPECT_NE(ll.out.find("\ninvoice\\u202egpj.exe "), std::string::npos) << ll.out;
  EXPECT_EQ(ll.out.find("\xe2\x80\xae"), std::string::npos) << ll.out;
  auto st = s.cli({"stat",
                   "/e/invoice\xe2\x80\xae"
                   "gpj.exe"});
  EXPECT_EQ(st.out.rfind("/e/invoice\\u202egpj.exe: file, ", 0), 0u) << st.out;

  // The console: a table cell from another node's config, and an error echoing input.
  auto table = s.c.admin(small_cluster::master_index, {"chunkservers"});
  EXPECT_NE(table.out.find("\\x1b[31mred"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find('\x1b'), std::string::npos);
  auto unknown = s.c.admin(small_cluster::master_index, {"nosuch\x1b]0;title\x07"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("nosuch\\x1b]0;title\\x07"), std::string::npos) << unknown.err;
  EXPECT_EQ(unknown.err.find('\x1b'), std::string::npos);
  EXPECT_EQ(unknown.err.find('\x07'), std::string::npos);
}
