#pragma once
// Cache flushes the block device holding a path has completed so far (the 16th field of
// /sys/dev/block/MAJ:MIN/stat, Linux 5.5+): what every fsync/fdatasync ends in. The benchmarks
// divide it by a phase's operations, because on one VM disk the flushes of several processes
// queue behind each other: a durable small operation costs what its flushes cost.
// The count is for the whole device, so other writers on the machine add to it.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace bench {

inline std::optional<uint64_t> disk_flushes(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  auto dev = std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  std::ifstream f("/sys/dev/block/" + dev + "/stat");
  uint64_t v = 0;
  for (int i = 1; i <= 16; ++i)
    if (!(f >> v)) return std::nullopt;  // an older kernel: no flush fields
  return v;
}

}  // namespace bench
