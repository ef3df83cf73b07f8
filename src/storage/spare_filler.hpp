#pragma once
// Keeps a chunk store's pool of spare files (spare_files.hpp) stocked from a thread of its own,
// so that new chunks are written into spares (one fsync each, no directory sync: see
// chunk_files.hpp) also on a chunkserver that deletes nothing, and the inode allocations (and
// the directory sync that makes a batch of new names durable) happen off the write path.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/spare_files.hpp"

namespace dfs {

class spare_filler {
 public:
  // Refills `pool` to `high` spares whenever poke() finds fewer than `low`; `sync_dir` makes a
  // batch's names durable (spare_files::fill).
  spare_filler(spare_files& pool, size_t low, size_t high, std::function<io_status()> sync_dir);
  ~spare_filler();
  spare_filler(const spare_filler&) = delete;
  spare_filler& operator=(const spare_filler&) = delete;

  void poke();  // cheap: wakes the thread only when the pool is below `low`

 private:
  void loop();

  spare_files& pool_;
  size_t low_, high_;
  std::function<io_status()> sync_dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dfs
