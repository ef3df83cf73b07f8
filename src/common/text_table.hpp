#pragma once
// Aligned plain-text tables for the console and the client: columns padded to the widest
// cell, numbers right-aligned when a column is declared numeric. Every cell is escaped
// (common/escape.hpp), so a table never carries control characters to the terminal.
#include <cstdint>
#include <string>
#include <vector>

namespace dfs {

class text_table {
 public:
  explicit text_table(std::vector<std::string> header, std::vector<bool> right_align = {});
  void add(std::vector<std::string> row);
  size_t rows() const { return rows_.size(); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// 1536 -> "1.5 KiB"; exact below 1 KiB ("17 B").
std::string format_bytes(uint64_t bytes);

// Seconds with one decimal: 1234 ms -> "1.2s".
std::string format_age_ms(int64_t ms);

}  // namespace dfs
