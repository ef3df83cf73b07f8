#include "client/line_reader.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <editline/readline.h>

namespace dfs {

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
