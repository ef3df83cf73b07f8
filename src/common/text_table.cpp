#include "common/text_table.hpp"

#include <algorithm>
#include <cstdio>

#include "common/escape.hpp"

namespace dfs {

namespace {

// Columns a cell takes on screen, counted in code points: a multi-byte name like "café" is as
// wide as it looks (double-width CJK still counts one per character).
size_t columns(const std::string& cell) {
  size_t n = 0;
  for (unsigned char b : cell) n += (b & 0xc0) != 0x80;
  return n;
}

}  // namespace

text_table::text_table(std::vector<std::string> header, std::vector<bool> right_align)
    : header_(std::move(header)), right_(std::move(right_align)) {
  right_.resize(header_.size(), false);
}

// Cells are escaped as they come in: names and ids in tables come from other nodes and users,
// and an escaped cell is what gets measured and printed.
void text_table::add(std::vector<std::string> row) {
  row.resize(header_.size());
  for (auto& cell : row) cell = escape_unprintable(cell);
  rows_.push_back(std::move(row));
}

std::string text_table::render() const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) {
    width[c] = columns(header_[c]);
    for (auto& r : rows_) width[c] = std::max(width[c], columns(r[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string pad(width[c] - columns(cells[c]), ' ');
      l += right_[c] ? pad + cells[c] : cells[c] + (c + 1 < cells.size() ? pad : "");
      if (c + 1 < cells.size()) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header_);
  for (auto& r : rows_) line(r);
  return out;
}

std::string format_bytes(uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  return buf;
}

std::string format_age_ms(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace dfs
