#include "core/master/hot_chunks.hpp"

#include <algorithm>

namespace dfs::master {

void hot_chunks::close_window(entry& e, core::time_point now) {
  double secs = std::chrono::duration<double>(now - e.window_start).count();
  if (secs > 0 && static_cast<double>(e.window_reads) / secs > opts_.hot_reads_per_s) {
    e.hot = true;
    e.last_hot = now;
  }
  e.window_start = now;
  e.window_reads = 0;
}

void hot_chunks::on_reads(chunk_handle h, uint64_t reads, core::time_point now) {
  auto it = chunks_.find(h.value);
  if (it == chunks_.end()) {
    if (chunks_.size() >= opts_.max_tracked) return;
    it = chunks_.emplace(h.value, entry{now, 0, false, {}}).first;
  }
  auto& e = it->second;
  if (now - e.window_start >= opts_.window) close_window(e, now);
  e.window_reads += reads;
}

void hot_chunks::on_tick(core::time_point now) {
  for (auto it = chunks_.begin(); it != chunks_.end();) {
    auto& e = it->second;
    if (now - e.window_start >= opts_.window) close_window(e, now);
    bool cold = !e.hot || now - e.last_hot >= opts_.cool_down;
    if (cold && e.window_reads == 0) {
      it = chunks_.erase(it);
      continue;
    }
    if (e.hot && now - e.last_hot >= opts_.cool_down) e.hot = false;
    ++it;
  }
}

bool hot_chunks::hot(chunk_handle h) const {
  auto it = chunks_.find(h.value);
  return it != chunks_.end() && it->second.hot;
}

uint32_t hot_chunks::target(chunk_handle h, uint32_t base) const {
  return hot(h) ? std::max(base, opts_.max_replicas) : base;
}

std::vector<chunk_handle> hot_chunks::hot_list() const {
  std::vector<chunk_handle> out;
  for (auto& [h, e] : chunks_)
    if (e.hot) out.push_back(chunk_handle{h});
  return out;
}

}  // namespace dfs::master
