#include "client/shell_words.hpp"

#include <histedit.h>

#include <memory>

namespace dfs {

shell_words split_shell_words(const std::string& line) {
  shell_words out;
  auto first = line.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || line[first] == '#') return out;
  std::unique_ptr<Tokenizer, void (*)(Tokenizer*)> tok(tok_init(nullptr), tok_end);
  if (!tok) {
    out.error = "out of memory splitting the line";
    return out;
  }
  int argc = 0;
  const char** argv = nullptr;
  // With its newline, a line ending in a backslash reads as one continued (3), as sh reads it.
  auto text = line + "\n";
  switch (tok_str(tok.get(), text.c_str(), &argc, &argv)) {
    case 0:
      out.words.assign(argv, argv + argc);
      break;
    case 1:
      out.error = "unterminated ' quote: nothing run";
      break;
    case 2:
      out.error = "unterminated \" quote: nothing run";
      break;
    case 3:
      out.error = "a backslash ends the line: nothing run";
      break;
    default:
      out.error = "cannot split the line into words: nothing run";
  }
  return out;
}

}  // namespace dfs
