#pragma once
// Reads command lines: libedit line editing + history on a terminal, plain lines otherwise
// (so scripts can pipe commands into the shells).
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dfs {

class line_reader {
 public:
  // `history_file` empty: no persistent history.
  line_reader(std::string prompt, std::string history_file);
  ~line_reader();
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  // Tab completion (on a terminal): candidates for the word under the cursor, given the
  // word and its index on the line. One line_reader completes at a time (libedit's hook is
  // global).
  using completer = std::function<std::vector<std::string>(const std::string& word, size_t index)>;
  void set_completer(completer c);

  // The next line, or nullopt at end of input.
  std::optional<std::string> next();
  bool interactive() const { return tty_; }

 private:
  std::string prompt_;
  std::string history_file_;
  bool tty_;
  completer completer_;
};

}  // namespace dfs
