// master_state::total_file_bytes (the newest versions' sizes, read by the status page and the
// metrics every second) is kept by apply instead of a walk of the namespace: after every kind
// of change it equals the sum over a snapshot's files, and a master loaded from that snapshot
// starts from the same sum.
#include <gtest/gtest.h>

#include "core/master/master_state.hpp"
#include "unit/master/test_util.hpp"

namespace dfs::master {
namespace {

using test::driver;
using test::t0;

uint64_t walked(const master_state& st) {
  uint64_t sum = 0;
  for (const auto& f : st.snapshot().files) sum += f.versions.back().size_bytes;
  return sum;
}

#define EXPECT_SUMS(d, want)                                                   \
  do {                                                                         \
    EXPECT_EQ((d).state.total_file_bytes(), uint64_t{want});                   \
    EXPECT_EQ((d).state.total_file_bytes(), walked((d).state));                \
    auto loaded = master_state::from_snapshot((d).state.snapshot(), {}, t0()); \
    ASSERT_TRUE(loaded.ok()) << loaded.err().message;                          \
    EXPECT_EQ(loaded->total_file_bytes(), uint64_t{want}) << "after a reload"; \
  } while (0)

template <class R>
void apply_ok(driver& d, const result<R>& r) {
  ASSERT_TRUE(r.ok()) << r.err().message;
  d.apply(*r);
}

TEST(FileBytes, EveryKindOfChangeKeepsTheSumOfNewestVersions) {
  driver d;
  EXPECT_SUMS(d, 0);
  d.mkdir("/a");
  d.put_inline("/a/s", "12345");
  EXPECT_SUMS(d, 5);
  d.put_inline("/a/s", "12");  // a new version: only the newest counts
  EXPECT_SUMS(d, 2);
  d.put("/a/big", {1024, 100});
  EXPECT_SUMS(d, 2 + 1124);
  // An append past the end of the last chunk's bytes (grow_record).
  apply_ok(d, d.state.validate_grow("/a/big", 0, 1500, 2, {}, t0()));
  EXPECT_SUMS(d, 2 + 1500);
  // mv of a file and of a directory: the same bytes elsewhere.
  apply_ok(d, d.state.validate_rename("/a/s", "/s2"));
  apply_ok(d, d.state.validate_rename("/a", "/b"));
  EXPECT_SUMS(d, 2 + 1500);
  // rm (to the trash), undelete, rm for good.
  apply_ok(d, d.state.validate_trash("/b/big", 5000));
  EXPECT_SUMS(d, 2);
  apply_ok(d, d.state.validate_restore("/b/big", "/big"));
  EXPECT_SUMS(d, 2 + 1500);
  apply_ok(d, d.state.validate_remove("/s2"));
  EXPECT_SUMS(d, 1500);
  // A refused record changes nothing (a path that is not there).
  EXPECT_FALSE(d.state.apply(remove_record{"/nope"}, t0()).ok());
  EXPECT_SUMS(d, 1500);
}

}  // namespace
}  // namespace dfs::master
