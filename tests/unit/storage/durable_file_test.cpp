#include "storage/durable_file.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/temp_dir.hpp"

using namespace dfs;

TEST(DurableFile, AtomicWriteReadAndRange) {
  test::temp_dir tmp;
  auto path = tmp.path() + "/sub/dir/f";
  ASSERT_TRUE(make_dirs(parent_dir(path)).ok());
  ASSERT_TRUE(write_file_atomic(path, "hello world").ok());
  ASSERT_TRUE(write_file_atomic(path, "replaced").ok());
  std::string s;
  ASSERT_TRUE(read_file(path, s).ok());
  EXPECT_EQ(s, "replaced");
  ASSERT_TRUE(read_range(path, 2, 3, s).ok());
  EXPECT_EQ(s, "pla");
  auto past = read_range(path, 5, 10, s);
  EXPECT_FALSE(past.ok());
  std::vector<std::string> names;
  ASSERT_TRUE(list_dir(parent_dir(path), names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"f"});  // no temp file left behind
}

TEST(DurableFile, AHeadAndDataAreWrittenAsOneFile) {
  test::temp_dir tmp;
  auto path = tmp.path() + "/f";
  std::string data(3 << 20, '\0');  // large enough that writev may return short
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + (i >> 12));
  for (auto [head, body] : {std::pair<std::string, std::string>{"HEADER", data},
                            {"", data},
                            {"only a head", ""},
                            {"", ""}}) {
    ASSERT_TRUE(write_and_rename(path, head, body).ok());
    std::string s;
    ASSERT_TRUE(read_file(path, s).ok());
    EXPECT_TRUE(s == head + body) << head.size() << "+" << body.size();
  }
}

TEST(DurableFile, ErrorsNameTheFile) {
  std::string s;
  auto st = read_file("/nonexistent/dfs/file", s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code, ENOENT);
  EXPECT_NE(st.message.find("/nonexistent/dfs/file"), std::string::npos);
  EXPECT_TRUE(remove_file("/nonexistent/dfs/file").ok());
}

TEST(DurableFile, AppendSyncTruncate) {
  test::temp_dir tmp;
  auto path = tmp.path() + "/log";
  append_file f;
  ASSERT_TRUE(f.open(path).ok());
  ASSERT_TRUE(f.append("abc").ok());
  ASSERT_TRUE(f.append("def").ok());
  ASSERT_TRUE(f.sync().ok());
  EXPECT_EQ(f.size(), 6u);
  f.close();
  ASSERT_TRUE(truncate_file(path, 4).ok());
  ASSERT_TRUE(f.open(path).ok());
  EXPECT_EQ(f.size(), 4u);
  ASSERT_TRUE(f.append("X").ok());
  f.close();
  std::string s;
  ASSERT_TRUE(read_file(path, s).ok());
  EXPECT_EQ(s, "abcdX");
  uint64_t free_bytes = 0, total = 0;
  ASSERT_TRUE(disk_space(tmp.path(), free_bytes, total).ok());
  EXPECT_GT(total, 0u);
}

// A chunkserver's budget (chunkserver.capacity_bytes) is what it offers: free is what its chunks
// leave of it, never more than the disk has. It once reported the whole budget free however
// much of it the chunks used, so the master kept placing chunks on a server past its budget.
TEST(DurableFile, OfferedSpaceIsTheBudgetLessWhatIsUsedAndNeverMoreThanTheDisk) {
  test::temp_dir tmp;
  uint64_t disk_free = 0, disk_total = 0;
  ASSERT_TRUE(disk_space(tmp.path(), disk_free, disk_total).ok());
  auto [cap, free] = offered_space(tmp.path(), 0, 12345);
  EXPECT_EQ(cap, disk_total);
  EXPECT_LE(free, disk_total);
  EXPECT_GT(free, 0u);
  EXPECT_EQ(offered_space(tmp.path(), 1000, 300), (std::pair<uint64_t, uint64_t>{1000, 700}));
  EXPECT_EQ(offered_space(tmp.path(), 1000, 1500), (std::pair<uint64_t, uint64_t>{1000, 0}));
  uint64_t huge = disk_total * 4;
  auto [budget, left] = offered_space(tmp.path(), huge, 0);
  EXPECT_EQ(budget, huge);
  EXPECT_LE(left, disk_total);  // the disk's free space, not the budget's
  // A directory that cannot be asked: the budget, less what is used.
  EXPECT_EQ(offered_space(tmp.path() + "/missing", 1000, 300),
            (std::pair<uint64_t, uint64_t>{1000, 700}));
}

// Appends go into space allocated ahead (their fdatasync then commits no new size or blocks);
// the rest reads as zeros while the file is open, as after a crash, and close() cuts it off.
TEST(DurableFile, AppendsGoIntoPreallocatedSpaceThatCloseCutsOff) {
  test::temp_dir tmp;
  auto path = tmp.path() + "/log";
  append_file f;
  ASSERT_TRUE(f.open(path).ok());
  ASSERT_TRUE(f.append("first").ok());
  ASSERT_TRUE(f.append(std::string(append_file::preallocate_bytes, 'b')).ok());  // beyond it
  ASSERT_TRUE(f.append("last").ok());
  ASSERT_TRUE(f.sync().ok());
  const uint64_t logical = 5 + append_file::preallocate_bytes + 4;
  EXPECT_EQ(f.size(), logical);
  uint64_t on_disk = 0;
  ASSERT_TRUE(file_size(path, on_disk).ok());
  EXPECT_GT(on_disk, logical) << "nothing preallocated";
  std::string s;
  ASSERT_TRUE(read_file(path, s).ok());
  EXPECT_EQ(s.substr(0, 5), "first");
  EXPECT_EQ(s.substr(logical - 4, 4), "last");
  EXPECT_EQ(s.find_first_not_of('\0', logical), std::string::npos);
  f.close();
  ASSERT_TRUE(file_size(path, on_disk).ok());
  EXPECT_EQ(on_disk, logical);
  // Reopened, appends continue at the end; a truncate drops the preallocation with the bytes.
  ASSERT_TRUE(f.open(path).ok());
  ASSERT_TRUE(f.append("more").ok());
  ASSERT_TRUE(f.truncate(3).ok());
  ASSERT_TRUE(f.append("X").ok());
  f.close();
  ASSERT_TRUE(read_file(path, s).ok());
  EXPECT_EQ(s, "firX");
}

namespace {

// Whether any block of [start, start + len) of `path` is allocated but unwritten (fallocate's
// kind), by FIEMAP; nullopt where the file system does not say.
std::optional<bool> has_unwritten(const std::string& path, uint64_t start, uint64_t len) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::nullopt;
  constexpr unsigned max_extents = 64;
  std::vector<char> buf(sizeof(fiemap) + max_extents * sizeof(fiemap_extent));
  auto* fm = reinterpret_cast<fiemap*>(buf.data());
  fm->fm_start = start;
  fm->fm_length = len;
  fm->fm_flags = FIEMAP_FLAG_SYNC;
  fm->fm_extent_count = max_extents;
  int rc = ::ioctl(fd, FS_IOC_FIEMAP, fm);
  ::close(fd);
  if (rc != 0) return std::nullopt;
  for (unsigned i = 0; i < fm->fm_mapped_extents; ++i)
    if (fm->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN) return true;
  return false;
}

}  // namespace

// fallocate leaves blocks unwritten, and the first write into each changes the file's extents,
// which an fdatasync then writes before its flush. Zeros go ahead of small appends, so the
// blocks the next ones land on are written already; the rest of the preallocation is not
// touched until the appends come near it.
TEST(DurableFile, SmallAppendsLandOnBlocksWrittenAhead) {
  test::temp_dir tmp;
  auto path = tmp.path() + "/log";
  append_file f;
  ASSERT_TRUE(f.open(path).ok());
  ASSERT_TRUE(f.append(std::string(100, 'a')).ok());
  ASSERT_TRUE(f.sync().ok());
  auto far = has_unwritten(path, 2 * append_file::zero_ahead_bytes,
                           append_file::preallocate_bytes - 2 * append_file::zero_ahead_bytes);
  if (!far || !*far) GTEST_SKIP() << "this file system does not report unwritten preallocation";
  EXPECT_EQ(has_unwritten(path, 0, append_file::zero_ahead_bytes), false);
  // Appends up to the zeroed end, then one past it: the next step is zeroed first.
  ASSERT_TRUE(f.append(std::string(append_file::zero_ahead_bytes - 100, 'b')).ok());
  ASSERT_TRUE(f.append("c").ok());
  ASSERT_TRUE(f.sync().ok());
  EXPECT_EQ(has_unwritten(path, 0, 2 * append_file::zero_ahead_bytes), false);
  EXPECT_EQ(has_unwritten(path, 3 * append_file::zero_ahead_bytes, append_file::zero_ahead_bytes),
            true);
  f.close();
  std::string s;
  ASSERT_TRUE(read_file(path, s).ok());
  EXPECT_EQ(s, std::string(100, 'a') + std::string(append_file::zero_ahead_bytes - 100, 'b') + "c");
}

// Logs and checkpoints are found by listing a directory: their names sort as their numbers do,
// and only a write's own leftovers count as temporary files.
TEST(DurableFile, NumberedNamesSortAsNumbersAndTmpNamesAreRecognised) {
  EXPECT_EQ(numbered_path("/d", "log-", 42), "/d/log-00000000000000000042");
  EXPECT_LT(numbered_path("/d", "log-", 9), numbered_path("/d", "log-", 10));
  EXPECT_EQ(numbered_path("/d", "x", UINT64_MAX), "/d/x18446744073709551615");
  EXPECT_TRUE(is_tmp_name("image.tmp"));
  EXPECT_TRUE(is_tmp_name(tmp_path_of("log-1")));
  EXPECT_FALSE(is_tmp_name(".tmp"));
  EXPECT_FALSE(is_tmp_name("image.tmpx"));
  EXPECT_FALSE(is_tmp_name("tmp"));
  EXPECT_EQ(corrupt_data("x").code, EILSEQ);
}
