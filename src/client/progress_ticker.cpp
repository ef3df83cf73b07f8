#include "client/progress_ticker.hpp"

#include <unistd.h>

namespace dfs {

progress_ticker::progress_ticker(std::chrono::milliseconds period, std::function<void()> draw,
                                 std::function<void()> finish, bool also_stdout) {
  if (!isatty(STDERR_FILENO) || (also_stdout && !isatty(STDOUT_FILENO))) return;
  thread_ = std::thread([this, period, draw = std::move(draw), finish = std::move(finish)] {
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, period, [this] { return stop_; })) {
      lk.unlock();
      draw();
      lk.lock();
    }
    lk.unlock();
    finish();
  });
}

void progress_ticker::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace dfs
