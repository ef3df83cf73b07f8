#pragma once
// "CLI process start to first request": runs `dfsnode --role client ... stat /` as its own
// process, `n` times, with DFS_STARTUP_TRACE=1 (common/startup_trace.hpp), and splits each
// wall time into stages from the CLOCK_MONOTONIC marks the process prints on stderr, measured
// from the moment before fork + exec. Returns the median of each stage's end (ms after exec)
// and of the whole wall time ("exit").
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

inline long long mono_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Stage -> median ms after exec; "exit" is the wall time, "failures" how many runs failed.
inline std::map<std::string, double> cli_start(std::vector<std::string> argv,
                                               const std::string& err_path, size_t n) {
  std::map<std::string, std::vector<double>> at;
  double failures = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    auto t0 = mono_us();
    pid_t pid = ::fork();
    if (pid == 0) {
      int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0), ::dup2(null, 1), ::dup2(err, 2);
      ::setenv("DFS_STARTUP_TRACE", "1", 1);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    auto t1 = mono_us();
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) ++failures;
    at["exit"].push_back(double(t1 - t0) / 1000);
    std::ifstream in(err_path);
    std::string word, name;
    long long us = 0;
    while (in >> word) {
      if (word != "startup") continue;
      if (in >> name >> us) at[name].push_back(double(us - t0) / 1000);
    }
  }
  std::map<std::string, double> out;
  for (auto& [k, v] : at) out[k] = median_of(v);
  out["failures"] = failures;
  return out;
}

}  // namespace bench
