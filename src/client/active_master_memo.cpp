#include "client/active_master_memo.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include "net/tls_sessions.hpp"

namespace dfs {

active_master_memo::active_master_memo(const config& cfg) {
  auto masters = cfg.master_endpoints();
  if (masters.size() < 2) return;
  auto dir = net::tls_session_dir(cfg);
  if (dir.empty() || !net::tls_session_store(dir, "").problem().empty()) return;
  // One file per set of masters, whatever their order: two clusters never share one.
  std::vector<std::string> names;
  for (auto& m : masters) names.push_back(m.to_string());
  std::sort(names.begin(), names.end());
  std::string all;
  for (auto& n : names) all += n + "\n";
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(all));
  path_ = dir + "/active-master-" + hex;
  std::ifstream in(path_);
  std::string line;
  if (in && std::getline(in, line)) kept_ = endpoint::parse(line);
}

std::optional<endpoint> active_master_memo::recall() const {
  return kept_;
}

void active_master_memo::remember(const endpoint& m) {
  if (path_.empty() || kept_ == m) return;
  kept_ = m;
  // Replaced whole (a reader sees the old or the new name); no fsync: a lost memo only costs
  // the configured order once.
  auto tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << m.to_string() << "\n";
    if (!out) return;
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) std::remove(tmp.c_str());
}

}  // namespace dfs
