// shell_words: lines split as sh splits them (quotes, backslashes, comments), and a line with an
// unterminated quote refused whole rather than guessed at.
#include "client/shell_words.hpp"

#include <gtest/gtest.h>

namespace dfs {
namespace {

using words = std::vector<std::string>;

words ok(const std::string& line) {
  auto r = split_shell_words(line);
  EXPECT_EQ(r.error, "") << line;
  return r.words;
}

TEST(ShellWords, SpacesTabsAndQuotes) {
  EXPECT_EQ(ok("  ls   -l\t/docs "), (words{"ls", "-l", "/docs"}));
  EXPECT_EQ(ok("put 'my notes.txt' \"/docs/a b\""), (words{"put", "my notes.txt", "/docs/a b"}));
  EXPECT_EQ(ok("put my\\ notes.txt /x"), (words{"put", "my notes.txt", "/x"}));
  EXPECT_EQ(ok("stat '/it\"s'"), (words{"stat", "/it\"s"}));
  EXPECT_EQ(ok("stat \"/it's\""), (words{"stat", "/it's"}));
  EXPECT_EQ(ok("mv /a\"b c\"d /e"), (words{"mv", "/ab cd", "/e"})) << "quotes inside a word";
}

TEST(ShellWords, BlankLinesAndCommentsAreNoCommand) {
  EXPECT_TRUE(ok("").empty());
  EXPECT_TRUE(ok("   \t").empty());
  EXPECT_TRUE(ok("# put a b").empty());
  EXPECT_TRUE(ok("   #comment").empty());
  EXPECT_EQ(ok("stat /#x"), (words{"stat", "/#x"})) << "a '#' inside a word is a character";
}

TEST(ShellWords, UnterminatedQuotesAreRefusedWhole) {
  for (auto line : {"rm \"/with space", "rm '/with space", "rm /x\\"}) {
    auto r = split_shell_words(line);
    EXPECT_TRUE(r.words.empty()) << line;
    EXPECT_NE(r.error.find("nothing run"), std::string::npos) << line << ": " << r.error;
  }
}

}  // namespace
}  // namespace dfs
