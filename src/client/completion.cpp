#include "client/completion.hpp"

#include <algorithm>

namespace dfs {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

typed_word word_at(const std::string& line) {
  typed_word w;
  bool in_word = false, escaped = false;
  size_t words = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (!in_word) {
      if (ch == ' ' || ch == '\t') continue;
      in_word = true;
      w = {i, words++, word_quote::none, {}};
    }
    if (escaped) {
      w.text += ch;
      escaped = false;
    } else if (w.open == word_quote::single) {
      if (ch == '\'')
        w.open = word_quote::none;
      else
        w.text += ch;
    } else if (ch == '\\') {
      escaped = true;  // in "..." too, as libedit's tokenizer reads it
    } else if (w.open == word_quote::double_quote) {
      if (ch == '"')
        w.open = word_quote::none;
      else
        w.text += ch;
    } else if (ch == '\'') {
      w.open = word_quote::single;
    } else if (ch == '"') {
      w.open = word_quote::double_quote;
    } else if (ch == ' ' || ch == '\t') {
      in_word = false;
    } else {
      w.text += ch;
    }
  }
  if (!in_word) w = {line.size(), words, word_quote::none, {}};  // a new, empty word
  return w;
}

std::string quote_word(const std::string& word, word_quote open, bool whole) {
  std::string out;
  switch (open) {
    case word_quote::single:
      if (word.find('\'') != std::string::npos) return "";
      return "'" + word + (whole ? "'" : "");
    case word_quote::double_quote:
      out = "\"";
      for (char ch : word) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      return whole ? out + "\"" : out;
    case word_quote::none:
      for (char ch : word) {
        if (ch == ' ' || ch == '\t' || ch == '\'' || ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      return out;
  }
  return out;
}

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
