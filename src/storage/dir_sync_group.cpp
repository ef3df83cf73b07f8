#include "storage/dir_sync_group.hpp"

namespace dfs {

io_status dir_sync_group::sync() {
  std::unique_lock lk(mu_);
  // The caller's change is complete now: any fsync that starts after this ticket covers it.
  const uint64_t ticket = ++requested_;
  while (synced_ < ticket && status_) {
    if (running_) {
      cv_.wait(lk);
      continue;
    }
    running_ = true;
    const uint64_t target = requested_;
    ++fsyncs_;
    lk.unlock();
    auto st = fsync_dir(dir_);
    lk.lock();
    running_ = false;
    if (st)
      synced_ = target;
    else
      status_ = st;
    cv_.notify_all();
  }
  return status_;
}

uint64_t dir_sync_group::fsyncs() const {
  std::lock_guard lk(mu_);
  return fsyncs_;
}

io_status dir_sync_group::status() const {
  std::lock_guard lk(mu_);
  return status_;
}

}  // namespace dfs
