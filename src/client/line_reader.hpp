#pragma once
// Reads command lines: libedit line editing + history on a terminal, plain lines otherwise
// (so scripts can pipe commands into the shells).
#include <optional>
#include <string>

namespace dfs {

class line_reader {
 public:
  // `history_file` empty: no persistent history.
  line_reader(std::string prompt, std::string history_file);
  ~line_reader();
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  // The next line, or nullopt at end of input.
  std::optional<std::string> next();
  bool interactive() const { return tty_; }

 private:
  std::string prompt_;
  std::string history_file_;
  bool tty_;
};

}  // namespace dfs
