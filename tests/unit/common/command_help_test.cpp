// render_command_help: usage on its line, the description indented and wrapped to the width.
#include <gtest/gtest.h>

#include <sstream>

#include "common/command_help.hpp"

namespace dfs {
namespace {

TEST(CommandHelp, UsageThenTheDescriptionWrappedUnderIt) {
  auto text = render_command_help(
      {{"cp [-r] SRC DST", "copy a file's newest version (DST an existing directory: into it)"},
       {"help", "list the commands"}},
      40);
  EXPECT_EQ(text,
            "cp [-r] SRC DST\n"
            "    copy a file's newest version (DST an\n"
            "    existing directory: into it)\n"
            "help\n"
            "    list the commands\n");
}

TEST(CommandHelp, NoLineIsWiderThanTheWidthUnlessOneWordIs) {
  std::string long_text;
  for (int i = 0; i < 60; ++i) long_text += "word" + std::to_string(i) + " ";
  auto text = render_command_help({{"x", long_text + std::string(100, 'w')}}, 80);
  std::istringstream in(text);
  size_t lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    if (line.find(std::string(100, 'w')) == std::string::npos) {
      EXPECT_LE(line.size(), 80u) << line;
    }
  }
  EXPECT_GT(lines, 5u);
  EXPECT_NE(text.find("    " + std::string(100, 'w') + "\n"), std::string::npos);
}

TEST(CommandHelp, ControlCharactersAreEscaped) {
  auto text = render_command_help({{"a\x1b[2J", "b\nc"}});
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text, "a\\x1b[2J\n    b\\nc\n");
}

}  // namespace
}  // namespace dfs
