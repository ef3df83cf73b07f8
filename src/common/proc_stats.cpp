#include "common/proc_stats.hpp"

#include <dirent.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace dfs {

namespace {

// The unsigned number after `key` on the line that starts with it, if any.
bool field(std::string_view line, std::string_view key, uint64_t& out) {
  if (line.substr(0, key.size()) != key) return false;
  line.remove_prefix(key.size());
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
  if (ec != std::errc{} || end == line.data()) return false;
  out = v;
  return true;
}

uint64_t count_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return 0;
  uint64_t n = 0;
  while (auto* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n > 0 ? n - 1 : 0;  // the descriptor of the listing itself
}

}  // namespace

proc_stats parse_proc_status(std::string_view text) {
  proc_stats s;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    uint64_t kb = 0;
    // Values are in kB; a value that would overflow bytes is not a real RSS: left 0.
    if (field(line, "VmRSS:", kb) && kb <= UINT64_MAX / 1024) s.rss_bytes = kb * 1024;
    field(line, "Threads:", s.threads);
  }
  return s;
}

proc_stats read_proc_stats() {
  std::ifstream in("/proc/self/status");
  std::ostringstream text;
  text << in.rdbuf();
  auto s = parse_proc_status(text.str());
  s.open_fds = count_fds();
  return s;
}

}  // namespace dfs
