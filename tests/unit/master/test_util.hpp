#pragma once
// Helpers for master metadata tests: drive master_state the way the master actor will
// (validate, then apply) and keep the applied records for replay tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/master/master_state.hpp"

namespace dfs::master::test {

inline core::time_point t0() {
  return core::time_point{} + std::chrono::hours(1);
}

// A master_state that records every applied record.
struct driver {
  master_state state;
  std::vector<log_record> log;

  explicit driver(master_options opts = {}) : state(opts) {}

  template <class R>
  void apply(const R& rec, core::time_point now = t0()) {
    auto ok = state.apply(rec, now);
    ASSERT_TRUE(ok.ok()) << ok.err().message;
    log.push_back(rec);
  }

  void mkdir(const std::string& path) {
    auto r = state.validate_mkdir(path);
    ASSERT_TRUE(r.ok()) << r.err().message;
    apply(*r);
  }

  // Allocates `sizes.size()` handles, returns the chunk metadata to commit.
  std::vector<chunk_meta> allocate(const std::string& path, const std::vector<uint64_t>& sizes,
                                   core::time_point now = t0()) {
    auto r = state.validate_allocate(path, static_cast<uint32_t>(sizes.size()));
    EXPECT_TRUE(r.ok()) << r.err().message;
    if (!r.ok()) return {};
    apply(*r, now);
    std::vector<chunk_meta> out;
    for (size_t i = 0; i < sizes.size(); ++i)
      out.push_back({chunk_handle{r->first.value + i}, 1, sizes[i],
                     static_cast<uint32_t>(0xc0ffee + r->first.value + i)});
    return out;
  }

  result<commit_record> commit(const std::string& path, const std::vector<chunk_meta>& chunks,
                               core::time_point now = t0(), uint64_t mtime_ms = 1000) {
    commit_request req{path, mtime_ms, 1024, chunks};
    auto r = state.validate_commit(req, now);
    if (r.ok()) apply(*r, now);
    return r;
  }

  // A small file's version with its bytes in the namespace (version_info::inline_data).
  void put_inline(const std::string& path, const std::string& bytes) {
    auto r = state.validate_commit({path, 1000, 1024, {}, 0, bytes}, t0());
    ASSERT_TRUE(r.ok()) << r.err().message;
    apply(*r);
  }

  // allocate + commit in one go; returns the committed chunk metadata.
  std::vector<chunk_meta> put(const std::string& path, const std::vector<uint64_t>& sizes) {
    auto chunks = allocate(path, sizes);
    auto r = commit(path, chunks);
    EXPECT_TRUE(r.ok()) << r.err().message;
    return chunks;
  }
};

}  // namespace dfs::master::test
