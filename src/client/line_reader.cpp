#include "client/line_reader.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <editline/readline.h>

#include "client/completion.hpp"

namespace dfs {

namespace {

line_reader::completer* active = nullptr;  // libedit's completion hook is a plain function
std::vector<std::string> matches;

char* next_match(const char*, int state) {
  static size_t i = 0;
  if (state == 0) i = 0;
  return i < matches.size() ? strdup(matches[i++].c_str()) : nullptr;
}

// libedit hands over its own idea of the word (it breaks at quotes and at the space in
// `"/my d`, and leaves `/my\ d` escaped) and replaces exactly that text with the match. So the
// word is read again from the line as the shell's splitter reads it (completion.hpp
// word_at), completed unescaped, written back in the user's quoting (quote_word), and each
// match is what follows libedit's start.
char** attempt_completion(const char* text, int start, int) {
  std::string line(rl_line_buffer, static_cast<size_t>(rl_point));
  auto word = word_at(line);
  auto candidates = (*active)(word.text, word.index);
  bool remote = !word.text.empty() && word.text[0] == '/';
  matches.clear();
  auto typed = line.substr(word.start);
  auto from = static_cast<size_t>(start);
  for (auto& c : candidates) {
    bool dir = !c.empty() && c.back() == '/';  // goes on: its quote stays open
    auto q = quote_word(c, word.open, !dir);
    // Only what continues the text as typed: a word typed in an unusual spelling (`/m\y`)
    // gets no completion rather than a line that reads differently.
    if (q.empty() || q.compare(0, typed.size(), typed) != 0 || from < word.start) continue;
    matches.push_back(q.substr(from - word.start));
  }
  // A word starting with '/' is remote: never fall back to local file names for it.
  if (matches.empty() && !remote) return nullptr;
  rl_attempted_completion_over = 1;
  if (matches.empty()) return nullptr;
  // A directory completes without a space, so the next Tab goes on inside it.
  rl_completion_append_character =
      matches.size() == 1 && !matches[0].empty() && matches[0].back() == '/' ? '\0' : ' ';
  return rl_completion_matches(text, next_match);
}

}  // namespace

void line_reader::set_completer(completer c) {
  completer_ = std::move(c);
  if (!tty_) return;
  active = &completer_;
  rl_attempted_completion_function = attempt_completion;
}

line_reader::line_reader(std::string prompt, std::string history_file)
    : prompt_(std::move(prompt)),
      history_file_(std::move(history_file)),
      tty_(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
  if (tty_) {
    using_history();
    if (!history_file_.empty()) read_history(history_file_.c_str());
  }
}

line_reader::~line_reader() {
  if (active == &completer_) {
    active = nullptr;
    rl_attempted_completion_function = nullptr;
  }
  if (tty_ && !history_file_.empty()) write_history(history_file_.c_str());
}

std::optional<std::string> line_reader::next() {
  if (!tty_) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  }
  char* raw = readline(prompt_.c_str());
  if (!raw) return std::nullopt;
  std::string line{raw};
  std::free(raw);
  if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
  return line;
}

}  // namespace dfs
