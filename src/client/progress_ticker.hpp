#pragma once
// A progress display's clock: calls `draw` every `period` on a thread of its own until stop()
// (or destruction), then `finish` once. The thread exists only when stderr is a terminal:
// a put or get from a script, a pipe or the shell's driver is then no thread at all (starting
// and joining one cost 120-210 us of a 1.2 ms small put on the test VMs). stop() wakes the
// thread at once, so a command on a terminal does not wait out the rest of a period.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace dfs {

class progress_ticker {
 public:
  // `also_stdout`: only when stdout is a terminal too (one file's bar, as before; a tree's
  // line needs stderr alone).
  progress_ticker(std::chrono::milliseconds period, std::function<void()> draw,
                  std::function<void()> finish, bool also_stdout);
  ~progress_ticker() { stop(); }
  progress_ticker(const progress_ticker&) = delete;
  progress_ticker& operator=(const progress_ticker&) = delete;

  void stop();  // idempotent; returns once `finish` ran (when the thread was started)
  bool running() const { return thread_.joinable(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dfs
