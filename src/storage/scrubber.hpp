#pragma once
// scrubber: a chunkserver's background verification of every replica it holds (issue 12
// item 3), so that corruption of chunks nobody reads is found before a second copy goes bad.
// One thread reads each chunk through the store in 1 MiB pieces — the store verifies every
// 64 KiB block's CRC32C and sets a corrupt replica aside, which the next heartbeat reports as
// removed, so the master drops it and repair copies the chunk back. The pace and the pass
// schedule are chunkstore::scrub_pacer's (src/core/chunkstore).
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/chunkstore/scrub_pacer.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

class scrubber {
 public:
  scrubber(std::shared_ptr<chunk_store> store, chunkstore::scrub_options opts);
  ~scrubber();  // stops the thread (promptly: waits are interruptible)
  scrubber(const scrubber&) = delete;
  scrubber& operator=(const scrubber&) = delete;

  void start();
  chunkstore::scrub_progress progress() const;
  const chunkstore::scrub_options& options() const { return opts_; }

 private:
  void run();
  void scan_pass();
  // Waits until `until` or stop; false when stopping.
  bool wait_until(core::time_point until);

  std::shared_ptr<chunk_store> store_;
  chunkstore::scrub_options opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  chunkstore::scrub_pacer pacer_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace dfs
