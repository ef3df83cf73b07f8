#pragma once
// A typed or piped command line split into words as sh splits it, by libedit's tokenizer:
// '...' and "..." quote (`put 'my notes.txt' /docs/`), a backslash escapes the next character,
// and a line whose first word starts with '#' is a comment. An unterminated quote is an error,
// not a guess at where it ends: the command is not run (`rm "/a b` must not remove "/a b").
// The client shell and the admin console both read lines through it.
#include <string>
#include <vector>

namespace dfs {

struct shell_words {
  std::vector<std::string> words;  // empty: a blank line or a comment
  std::string error;               // non-empty: why the line was not split; words is empty
};

shell_words split_shell_words(const std::string& line);

}  // namespace dfs
