#include "common/command_help.hpp"

#include <sstream>

#include "common/escape.hpp"

namespace dfs {

namespace {

constexpr const char* indent = "    ";

// Words of `text` on lines of at most `width` characters after the indent; a word longer than
// that stands alone on its line.
void wrap(std::string& out, const std::string& text, size_t width) {
  std::istringstream words(text);
  std::string word, line;
  auto flush = [&] {
    if (!line.empty()) out += indent + line + "\n";
    line.clear();
  };
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) flush();
    line += (line.empty() ? "" : " ") + word;
  }
  flush();
}

}  // namespace

std::string render_command_help(const std::vector<std::pair<std::string, std::string>>& commands,
                                size_t width) {
  std::string out;
  size_t room = width > 24 ? width - 4 : 20;
  for (const auto& [usage, description] : commands) {
    out += escape_unprintable(usage) + "\n";
    wrap(out, escape_unprintable(description), room);
  }
  return out;
}

}  // namespace dfs
