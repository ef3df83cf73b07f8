#pragma once
// Joining and splitting delimited lists ("master,introducer").
#include <string>
#include <vector>

namespace dfs {

inline std::string join(const std::vector<std::string>& items, const std::string& sep = ",") {
  std::string s;
  for (auto& x : items) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Splits on `sep`, dropping empty pieces.
inline std::vector<std::string> split(const std::string& text, char sep = ',') {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace dfs
