// The master's name rules (path.hpp): a name is valid UTF-8 without control characters. A
// table of bad and good names through parse_path, the same rules seen through master_state
// (mkdir, put, ls), and names from before the rules (in a log or checkpoint) still loading.
#include <gtest/gtest.h>

#include <string>

#include "core/master/path.hpp"
#include "unit/master/test_util.hpp"

using namespace dfs::master;
using dfs::master::test::driver;
using dfs::master::test::t0;

namespace {

struct bad_name {
  std::string name;
  std::string why;  // part of the error message
};

// Every kind of bad byte, alone and inside an otherwise good name.
const bad_name bad_names[] = {
    {"a\nb", "control character U+000A"},
    {"\r", "control character U+000D"},
    {"tab\there", "control character U+0009"},
    {"\x01", "control character U+0001"},
    {"esc\x1b[2J", "control character U+001B"},
    {"\x1f", "control character U+001F"},
    {"del\x7f", "control character U+007F"},
    {"csi\xc2\x9b"
     "31m",
     "control character U+009B"},  // C1, two bytes in UTF-8
    {"\xc2\x85", "control character U+0085"},
    {"bad\xff", "not valid UTF-8 (byte 0xff at offset 3"},
    {"\xfe", "not valid UTF-8 (byte 0xfe"},
    {"\x80", "not valid UTF-8 (byte 0x80"},          // stray continuation byte
    {"\xc0\xaf", "not valid UTF-8 (byte 0xc0"},      // overlong '/'
    {"\xe0\x80\xae", "not valid UTF-8 (byte 0xe0"},  // overlong '.'
    {"\xf0\x80\x80\xaf", "not valid UTF-8 (byte 0xf0"},
    {"x\xed\xa0\x80", "not valid UTF-8 (byte 0xed at offset 1"},  // surrogate U+D800
    {"\xed\xbf\xbf", "not valid UTF-8 (byte 0xed"},               // surrogate U+DFFF
    {"\xf4\x90\x80\x80", "not valid UTF-8 (byte 0xf4"},           // U+110000
    {"caf\xc3", "not valid UTF-8 (byte 0xc3 at offset 3"},        // cut short at the end
    {"\xe6\x97.txt", "not valid UTF-8 (byte 0xe6"},               // cut short in the middle
};

const std::string good_names[] = {
    "report.pdf",
    "日本.txt",
    "café",
    "naïve résumé",
    "\xf0\x9f\x98\x80.png",  // 😀, four bytes
    "\xc2\xa0nbsp",          // U+00A0, the first code point after the C1 controls
    "\xef\xbf\xbd",          // U+FFFD
    "\xf4\x8f\xbf\xbf",      // U+10FFFF, the last code point
    "a b",
    "~$#!'\"\\;&|<>*?",
    std::string(255, 'x'),
    "é" + std::string(253, 'y'),  // 255 bytes, two of them one character
};

}  // namespace

TEST(NameRules, BadNamesAreRefusedWithTheRuleTheyBreak) {
  for (const auto& b : bad_names) {
    for (const auto& path : {"/" + b.name, "/dir/" + b.name, "/" + b.name + "/file"}) {
      auto r = parse_path(path);
      ASSERT_FALSE(r.ok()) << "accepted " << testing::PrintToString(path);
      EXPECT_EQ(r.err().code, errc::invalid_path);
      EXPECT_NE(r.err().message.find("invalid path \""), std::string::npos) << r.err().message;
      EXPECT_NE(r.err().message.find(b.why), std::string::npos) << r.err().message;
      // The message is one printable line: the bad bytes are escaped in it.
      EXPECT_EQ(r.err().message.find_first_of("\n\r\x1b\x7f"), std::string::npos);
    }
  }
}

TEST(NameRules, GoodNamesAreAccepted) {
  for (const auto& n : good_names) {
    auto r = parse_path("/d/" + n);
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->name(), n);
    EXPECT_EQ(name_violation(n), "");
  }
}

TEST(NameRules, MessageShowsTheNameEscapedAndPrintableUtf8AsIs) {
  auto r = parse_path("/日本/a\nb");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().message, "invalid path \"/日本/a\\nb\": control character U+000A in a name");
  r = parse_path("/q\"\xff");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().message.rfind("invalid path \"/q\\x22\\xff\":", 0), 0u) << r.err().message;
}

TEST(NameRules, StoredRulesCheckStructureOnly) {
  EXPECT_TRUE(parse_path("/a\nb", path_rules::stored).ok());
  EXPECT_TRUE(parse_path("/\xff", path_rules::stored).ok());
  EXPECT_FALSE(parse_path("/a/../b", path_rules::stored).ok());
  EXPECT_FALSE(parse_path(std::string("/a\0b", 4), path_rules::stored).ok());
}

TEST(NameRules, MasterStateRefusesNewBadNames) {
  driver d;
  d.mkdir("/docs");
  auto m = d.state.validate_mkdir("/docs/a\nb");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.err().code, errc::invalid_path);
  auto a = d.state.validate_allocate("/docs/\x1b[31mred", 1);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.err().code, errc::invalid_path);
  auto c = d.state.validate_commit({"/docs/\xff", 1, 1024, {}}, t0());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.err().code, errc::invalid_path);
  EXPECT_FALSE(d.state.stat("/docs/a\nb").ok());
  // Good multi-byte names go all the way through.
  d.mkdir("/docs/日本");
  d.put("/docs/日本/café", {10});
  auto ls = d.state.ls("/docs/日本");
  ASSERT_TRUE(ls.ok());
  ASSERT_EQ(ls->size(), 1u);
  EXPECT_EQ((*ls)[0].name, "café");
}

// A log or checkpoint written before the name rules may hold such names: the master still
// starts, lists them, and `rm` removes them.
TEST(NameRules, NamesFromBeforeTheRulesStillLoadAndCanBeRemoved) {
  std::vector<log_record> old_log = {mkdir_record{"/old\nname"}, mkdir_record{"/\xff"}};
  auto st = master_state::replay({}, old_log, {}, t0());
  ASSERT_TRUE(st.ok()) << st.err().message;
  auto ls = st->ls("/");
  ASSERT_TRUE(ls.ok());
  EXPECT_EQ(ls->size(), 2u);
  auto snap = st->snapshot();
  auto restored = master_state::from_snapshot(snap, {}, t0());
  ASSERT_TRUE(restored.ok()) << restored.err().message;
  auto rm = restored->validate_remove("/old\nname");
  ASSERT_TRUE(rm.ok()) << rm.err().message;
  ASSERT_TRUE(restored->apply(*rm, t0()).ok());
  EXPECT_EQ(restored->ls("/")->size(), 1u);
}
