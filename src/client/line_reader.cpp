#include "client/line_reader.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <editline/readline.h>

namespace dfs {

namespace {

line_reader::completer* active = nullptr;  // libedit's completion hook is a plain function
std::vector<std::string> matches;

char* next_match(const char*, int state) {
  static size_t i = 0;
  if (state == 0) i = 0;
  return i < matches.size() ? strdup(matches[i++].c_str()) : nullptr;
}

char** attempt_completion(const char* text, int start, int) {
  // The index of the word: how many words come before `start` on the line.
  std::string before(rl_line_buffer, static_cast<size_t>(start));
  size_t index = 0;
  bool in_word = false;
  for (char ch : before) {
    bool space = ch == ' ' || ch == '\t';
    if (!space && !in_word) ++index;
    in_word = !space;
  }
  matches = (*active)(text, index);
  // A word starting with '/' is remote: never fall back to local file names for it.
  if (matches.empty() && text[0] != '/') return nullptr;
  rl_attempted_completion_over = 1;
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
