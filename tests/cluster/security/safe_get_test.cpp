// Local file safety, `get REMOTE LOCAL` through the real CLI: a new file or a regular file is
// written (via a private temp file and a rename), '-' is stdout, a directory takes the file
// inside, and a symlink, a FIFO or a directory at the final name is a one-line error with
// nothing changed; a symlink planted at the old
// fixed temp name LOCAL.dfs-part is not followed; no temp file outlives a failure.
// No test touches a system file: the device-like target is a FIFO in the scratch dir.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "cluster/security/small_cluster.hpp"

using namespace dfs::test;
namespace fs = std::filesystem;

namespace {

const std::string content = "the remote file's bytes\n" + std::string(3000, 'z');

class SafeGet : public ::testing::Test {
 protected:
  // One cluster for the suite: every test only reads /file.
  static void SetUpTestSuite() {
    cluster_ = std::make_unique<small_cluster>();
    ready_ = cluster_->start();
    if (!ready_) return;
    write_all(cluster_->local("source"), content);
    ready_ = cluster_->cli({"put", cluster_->local("source"), "/file"}).exit_code == 0;
  }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "the cluster did not start or the put failed";
    dir_ = cluster_->local(::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directory(dir_);
  }
  void TearDown() override {
    // Whatever happened, no download left a temp file behind.
    EXPECT_EQ(temp_files(), std::vector<std::string>{});
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  run_result get(const std::string& local) { return cluster_->cli({"get", "/file", local}); }
  std::vector<std::string> temp_files() const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir_)) {
      auto n = e.path().filename().string();
      if (n.find(".dfs-part-") != std::string::npos) out.push_back(n);
    }
    return out;
  }
  // Exit code 1 and one line on stderr naming the target and what it is.
  static void expect_refused(const run_result& r, const std::string& target,
                             const std::string& kind) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(lines_in(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("error: '" + target + "' is " + kind), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }

  static std::unique_ptr<small_cluster> cluster_;
  static bool ready_;
  std::string dir_;
};

std::unique_ptr<small_cluster> SafeGet::cluster_;
bool SafeGet::ready_ = false;

}  // namespace

TEST_F(SafeGet, NewFileHasTheContentAndTheUsualMode) {
  auto r = get(path("new"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_all(path("new")), content);
  EXPECT_EQ(mode_of(path("new")), 0644);  // 0666 minus the test's umask 022
}

TEST_F(SafeGet, RegularFileIsReplacedAndKeepsItsMode) {
  write_all(path("mine"), "old");
  fs::permissions(path("mine"), fs::perms(0600));
  auto r = get(path("mine"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_all(path("mine")), content);
  EXPECT_EQ(mode_of(path("mine")), 0600);
}

TEST_F(SafeGet, DashIsStdout) {
  auto r = get("-");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, content);
  EXPECT_FALSE(fs::exists(cluster_->c.dir() + "/-"));
}

TEST_F(SafeGet, SymlinkTargetIsRefusedAndWhatItPointsToIsUnchanged) {
  write_all(path("victim"), "keep me");
  ASSERT_EQ(::symlink(path("victim").c_str(), path("link").c_str()), 0);
  expect_refused(get(path("link")), path("link"), "a symbolic link");
  EXPECT_EQ(read_all(path("victim")), "keep me");
  EXPECT_TRUE(fs::is_symlink(path("link")));
  // A link to a device (here /dev/null, never written: the link is refused before anything).
  ASSERT_EQ(::symlink("/dev/null", path("null-link").c_str()), 0);
  expect_refused(get(path("null-link")), path("null-link"), "a symbolic link");
  EXPECT_TRUE(fs::is_symlink(path("null-link")));
}

TEST_F(SafeGet, FifoTargetIsRefusedUntouched) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  expect_refused(get(path("fifo")), path("fifo"), "a FIFO");
  EXPECT_TRUE(fs::is_fifo(path("fifo")));
}

// A directory at LOCAL takes the file under its remote name, as cp does, written the same safe
// way; the directory itself is never replaced, a directory at that name inside is refused, and
// a symbolic link to a directory is refused like any link.
TEST_F(SafeGet, DirectoryTargetGetsTheFileInsideAndALinkToOneIsRefused) {
  fs::create_directory(path("d"));
  auto r = get(path("d"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_directory(path("d")));
  EXPECT_EQ(read_all(path("d/file")), content);
  EXPECT_EQ(r.out, path("d/file") + ": version 1, " + std::to_string(content.size()) + " bytes\n");
  fs::create_directories(path("d2/file"));
  expect_refused(get(path("d2")), path("d2/file"), "a directory");
  EXPECT_TRUE(fs::is_empty(path("d2/file")));
  ASSERT_EQ(::symlink(path("d2").c_str(), path("dir-link").c_str()), 0);
  expect_refused(get(path("dir-link")), path("dir-link"), "a symbolic link");
  EXPECT_TRUE(fs::is_symlink(path("dir-link")));
}

// The old client opened LOCAL.dfs-part with O_CREAT|O_TRUNC: a symlink planted there by
// someone who can write to the directory made it truncate and overwrite the link's target.
TEST_F(SafeGet, SymlinkAtTheOldFixedTempNameIsNotFollowed) {
  write_all(path("victim"), "keep me");
  ASSERT_EQ(::symlink(path("victim").c_str(), path("out.dfs-part").c_str()), 0);
  auto r = get(path("out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_all(path("victim")), "keep me");
  EXPECT_EQ(read_all(path("out")), content);
  EXPECT_TRUE(fs::is_symlink(path("out.dfs-part")));
}

TEST_F(SafeGet, FailedGetLeavesNoTempFileAndNoTarget) {
  auto r = cluster_->cli({"get", "/no-such-file", path("out")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_in(r.err), 1) << r.err;
  EXPECT_FALSE(fs::exists(path("out")));
  // TearDown checks for temp files.
}
