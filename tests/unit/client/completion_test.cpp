// The client shell's tab completion against a fake remote tree.
#include "client/completion.hpp"

#include <gtest/gtest.h>

#include "client/shell_words.hpp"

#include <map>
#include <stdexcept>

namespace dfs {
namespace {

std::vector<remote_child> fake_ls(const std::string& dir) {
  static const std::map<std::string, std::vector<remote_child>> tree = {
      {"/", {{"docs", true}, {"data.bin", false}, {"z", false}}},
      {"/docs", {{"report.pdf", false}, {"reports", true}}},
  };
  auto it = tree.find(dir);
  if (it == tree.end()) throw std::runtime_error("no such directory");
  return it->second;
}

const std::vector<std::string> commands = {"cat", "du", "edit", "get", "ls", "mkdir", "mv", "put"};

TEST(Completion, TheFirstWordCompletesToCommands) {
  EXPECT_EQ(complete_word("m", 0, commands, fake_ls), (std::vector<std::string>{"mkdir", "mv"}));
  EXPECT_EQ(complete_word("", 0, commands, fake_ls).size(), commands.size());
  EXPECT_TRUE(complete_word("x", 0, commands, fake_ls).empty());
}

TEST(Completion, RemotePathsCompleteFromTheDirectoryTheyName) {
  EXPECT_EQ(complete_word("/d", 1, commands, fake_ls),
            (std::vector<std::string>{"/data.bin", "/docs/"}));
  EXPECT_EQ(complete_word("/docs/rep", 2, commands, fake_ls),
            (std::vector<std::string>{"/docs/report.pdf", "/docs/reports/"}));
  EXPECT_EQ(complete_word("/", 1, commands, fake_ls).size(), 3u);
}

TEST(Completion, UnknownDirectoriesAndLocalWordsOfferNothing) {
  EXPECT_TRUE(complete_word("/nope/x", 1, commands, fake_ls).empty());
  EXPECT_TRUE(complete_word("local.txt", 1, commands, fake_ls).empty());
}

TEST(Completion, TheWordUnderTheCursorIsReadAsTheShellSplitsIt) {
  auto w = word_at("ls /my\\ d");
  EXPECT_EQ(w.start, 3u);
  EXPECT_EQ(w.index, 1u);
  EXPECT_EQ(w.text, "/my d");
  EXPECT_EQ(w.open, word_quote::none);
  w = word_at("cp  \"/my d");
  EXPECT_EQ(w.start, 4u);
  EXPECT_EQ(w.index, 1u);
  EXPECT_EQ(w.text, "/my d");
  EXPECT_EQ(w.open, word_quote::double_quote);
  w = word_at("cp '/a b' '/my d");
  EXPECT_EQ(w.start, 10u);
  EXPECT_EQ(w.index, 2u) << "the quoted space does not start a word";
  EXPECT_EQ(w.open, word_quote::single);
  EXPECT_EQ(w.text, "/my d");
  w = word_at("ls /x ");
  EXPECT_EQ(w.start, 6u);
  EXPECT_EQ(w.index, 2u);
  EXPECT_EQ(w.text, "");
  EXPECT_EQ(word_at("").index, 0u);
  EXPECT_EQ(word_at("l").text, "l");
  EXPECT_EQ(word_at("ls /a\"b\"c").text, "/abc");
}

TEST(Completion, AQuotedWordReadsBackAsTheNameInEveryQuote) {
  for (std::string name :
       {"/my dir/hello world.txt", "/plain", "/it's \"quoted\" \\ here", "/tab\there"}) {
    for (auto open : {word_quote::none, word_quote::single, word_quote::double_quote}) {
      auto q = quote_word(name, open, true);
      if (open == word_quote::single && name.find('\'') != std::string::npos) {
        EXPECT_EQ(q, "") << "no ' inside '...'";
        continue;
      }
      auto split = split_shell_words("get " + q + " out");
      ASSERT_EQ(split.error, "") << q;
      EXPECT_EQ(split.words, (std::vector<std::string>{"get", name, "out"})) << q;
      // Read back as the word under the cursor, it is the name again.
      EXPECT_EQ(word_at("get " + q).text, name) << q;
    }
  }
  // A directory to go on into keeps its quote open.
  EXPECT_EQ(quote_word("/my dir/", word_quote::double_quote, false), "\"/my dir/");
  EXPECT_EQ(quote_word("/my dir/", word_quote::none, false), "/my\\ dir/");
}

}  // namespace
}  // namespace dfs
