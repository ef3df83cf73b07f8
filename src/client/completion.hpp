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

// Candidates for `word`, the word under the cursor; `word_index` is its position on the line
// (0: the command). Sorted; each is the whole word to put in its place.
std::vector<std::string> complete_word(const std::string& word, size_t word_index,
                                       const std::vector<std::string>& commands,
                                       const remote_lister& list);

}  // namespace dfs
