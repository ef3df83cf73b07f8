#pragma once
// "CLI process start to first request": runs `dfsnode --role client ... stat /` as its own
// process (posix_spawn), `n` times, with DFS_STARTUP_TRACE=1 (common/startup_trace.hpp), and
// splits each wall time into stages from the CLOCK_MONOTONIC marks the process prints on stderr,
// measured from the moment before the spawn. Returns the median of each stage's end (ms after
// exec) and of the whole wall time ("exit").
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
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
  std::vector<std::string> env_strings{"DFS_STARTUP_TRACE=1"};
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).rfind("DFS_STARTUP_TRACE=", 0) != 0) env_strings.emplace_back(*e);
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  ::posix_spawn_file_actions_init(&fa);
  ::posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (size_t i = 0; i < n; ++i) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    // posix_spawn, not fork: fork copies this driver's page tables first, which on these VMs
    // (shadow paging) costs more than the exec itself and grows with the driver's memory (a
    // fork + exec of /bin/true here: 3.5 ms from a 1 MiB process, 6.5 from 50 MiB, against
    // 2.4-3.1 ms spawned). The start measured is the command's, as from a small shell.
    auto t0 = mono_us();
    pid_t pid = -1;
    if (::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), env.data()) != 0) {
      ++failures;
      continue;
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
  ::posix_spawn_file_actions_destroy(&fa);
  std::map<std::string, double> out;
  for (auto& [k, v] : at) out[k] = median_of(v);
  out["failures"] = failures;
  return out;
}

}  // namespace bench
