#pragma once
// Tab completion for the client shell: the first word completes to a command name, a word
// starting with '/' to a remote path (listing the directory it names so far; directories end
// in '/'), anything else to nothing here (the line editor then completes local file names).
// Pure apart from `list`, which the shell backs with the master's `ls`.
#include <functional>
#include <string>
#include <vector>

namespace dfs {

struct remote_child {
  std::string name;
  bool is_dir = false;
};

// Lists a remote directory; empty (or throwing, which counts as empty) when it cannot.
using remote_lister = std::function<std::vector<remote_child>(const std::string& dir)>;

// The word under the cursor as the shell's line splitter (shell_words.hpp) will read it, from
// the line up to the cursor: a name with spaces completes whether it is typed `/my\ d`,
// `"/my d` or `'/my d`.
enum class word_quote { none, single, double_quote };
struct typed_word {
  size_t start = 0;                    // where the word begins on the line (its quote included)
  size_t index = 0;                    // which word it is (0: the command)
  word_quote open = word_quote::none;  // a quote opened before the cursor and not closed
  std::string text;                    // without its quotes and backslashes
};
typed_word word_at(const std::string& line_to_cursor);

// A completed word written back for the same splitter: inside the quote the user opened, or
// with a backslash before each space, tab, quote and backslash. `whole`: a complete name (a
// file, not a directory to go on into), which also closes an opened quote. Nothing (empty)
// when it cannot be written in that quote (a ' inside '...').
std::string quote_word(const std::string& word, word_quote open, bool whole);

// Candidates for `word`, the word under the cursor; `word_index` is its position on the line
// (0: the command). Sorted; each is the whole word to put in its place.
std::vector<std::string> complete_word(const std::string& word, size_t word_index,
                                       const std::vector<std::string>& commands,
                                       const remote_lister& list);

}  // namespace dfs
