// The client shell's tab completion against a fake remote tree.
#include "client/completion.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace dfs
