#pragma once
// CPU time (user + system) a process has used so far, in microseconds, from /proc/PID/stat:
// what the benchmarks divide by the operations of a phase to say where the time goes.
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace bench {

inline double cpu_us(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto rp = all.rfind(')');  // the command name may hold spaces and parentheses
  if (rp == std::string::npos) return 0;
  std::istringstream in(all.substr(rp + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && in >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks * 1e6 / double(::sysconf(_SC_CLK_TCK));
}

}  // namespace bench
