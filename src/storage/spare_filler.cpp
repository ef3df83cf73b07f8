#include "storage/spare_filler.hpp"

#include <chrono>

#include "common/logging.hpp"
#include "common/thread_name.hpp"

namespace dfs {

spare_filler::spare_filler(spare_files& pool, size_t low, size_t high,
                           std::function<io_status()> sync_dir)
    : pool_(pool), low_(low), high_(high), sync_dir_(std::move(sync_dir)) {
  thread_ = std::thread([this] { loop(); });
}

spare_filler::~spare_filler() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void spare_filler::poke() {
  if (pool_.size() >= low_) return;
  {
    std::lock_guard lk(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

void spare_filler::loop() {
  name_this_thread("spare-filler");
  std::unique_lock lk(mu_);
  while (true) {
    cv_.wait(lk, [&] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lk.unlock();
    auto st = pool_.fill(high_, sync_dir_);
    lk.lock();
    if (!st) {
      // New chunks are then created as fresh files (with a directory sync): slower, not wrong.
      log::get("chunkstore")->warn("spare_fill_failed error=\"{}\"", st.message);
      cv_.wait_for(lk, std::chrono::seconds(1), [&] { return stopping_; });
    }
  }
}

}  // namespace dfs
