#include "client/completion.hpp"

#include <algorithm>

namespace dfs {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::vector<std::string> complete_word(const std::string& word, size_t word_index,
                                       const std::vector<std::string>& commands,
                                       const remote_lister& list) {
  std::vector<std::string> out;
  if (word_index == 0) {
    for (auto& c : commands)
      if (starts_with(c, word)) out.push_back(c);
  } else if (!word.empty() && word[0] == '/') {
    auto slash = word.rfind('/');
    auto dir = slash == 0 ? std::string("/") : word.substr(0, slash);
    auto prefix = word.substr(slash + 1);
    std::vector<remote_child> children;
    try {
      children = list(dir);
    } catch (...) {
      // No such directory, master unreachable: nothing to offer, the shell goes on.
    }
    for (auto& c : children)
      if (starts_with(c.name, prefix))
        out.push_back(word.substr(0, slash + 1) + c.name + (c.is_dir ? "/" : ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dfs
