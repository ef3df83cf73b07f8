// download_file, the local side of `get`: new and replaced files, private temp files under
// unpredictable names, refusals (symlink, FIFO, directory), a symlink planted at the old fixed
// temp name or at the target during the download, and no temp file left after a failure.
#include "client/download_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/temp_dir.hpp"

namespace fs = std::filesystem;
using dfs::download_file;
using dfs::storage_error;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

struct DownloadFile : ::testing::Test {
  dfs::test::temp_dir dir;
  mode_t old_umask = ::umask(022);
  ~DownloadFile() override { ::umask(old_umask); }

  std::string path(const std::string& name) const { return dir.path() + "/" + name; }

  // Names in the directory other than `keep`: leftovers of a download.
  std::vector<std::string> temp_files() const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir.path()))
      if (e.path().filename().string().find(".dfs-part") != std::string::npos)
        out.push_back(e.path().filename());
    return out;
  }

  // Expects download_file(target) to refuse with a message naming the target and `kind`.
  void expect_refused(const std::string& target, const std::string& kind) {
    try {
      download_file out{target};
      ADD_FAILURE() << "accepted " << target;
    } catch (const storage_error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("'" + target + "' is " + kind), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
    EXPECT_EQ(temp_files(), std::vector<std::string>{});
  }
};

}  // namespace

TEST_F(DownloadFile, NewFileGetsTheBytesInAnyOrderAndTheUmaskMode) {
  auto target = path("out");
  {
    download_file out{target};
    out.write_at(3, "def");
    out.write_at(0, "abc");
    out.commit();
  }
  EXPECT_EQ(read_all(target), "abcdef");
  EXPECT_EQ(mode_of(target) & 07777, 0644u);
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(DownloadFile, TempFileIsNewPrivateAndUnpredictable) {
  auto target = path("out");
  download_file a{target}, b{target};
  EXPECT_EQ(a.temp_path().rfind(target + ".dfs-part-", 0), 0u) << a.temp_path();
  EXPECT_NE(a.temp_path(), b.temp_path());
  EXPECT_TRUE(S_ISREG(mode_of(a.temp_path())));
  EXPECT_EQ(mode_of(a.temp_path()) & 07777, 0600u);  // nobody reads a download while it fills
  EXPECT_FALSE(fs::exists(target));                  // nothing at the target before commit
}

// A name of up to NAME_MAX (255) bytes is valid; its temp file's name must be too, so the
// target's name is cut short in it, never inside a UTF-8 character.
TEST_F(DownloadFile, TargetsWithNamesUpToNameMaxAreWritten) {
  std::string japanese;
  for (int i = 0; i < 84; ++i) japanese += "\xe6\x97\xa5";  // 84 x 3 bytes = 252
  for (const auto& name : {std::string(255, 'n'), std::string(240, 'n'), japanese + "abc"}) {
    auto target = path(name);
    download_file out{target};
    auto temp = fs::path(out.temp_path()).filename().string();
    EXPECT_LE(temp.size(), 255u) << temp;
    EXPECT_NE(temp.find(".dfs-part-"), std::string::npos) << temp;
    EXPECT_EQ(name.rfind(temp.substr(0, temp.find(".dfs-part-")), 0), 0u);
    auto cut = temp.substr(0, temp.find(".dfs-part-"));
    EXPECT_NE(static_cast<unsigned char>(name[cut.size()]) & 0xC0, 0x80) << "cut inside a char";
    out.write_at(0, "long");
    out.commit();
    EXPECT_EQ(read_all(target), "long");
  }
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(DownloadFile, ReplacesARegularFileAndKeepsItsMode) {
  auto target = path("secret");
  write_all(target, "old content, longer than the new one");
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  download_file out{target};
  out.write_at(0, "new");
  out.commit();
  EXPECT_EQ(read_all(target), "new");
  EXPECT_EQ(mode_of(target) & 07777, 0600u);
}

TEST_F(DownloadFile, RefusesASymlinkAndLeavesItsTargetAlone) {
  auto victim = path("victim");
  write_all(victim, "keep me");
  auto link = path("link");
  ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0);
  expect_refused(link, "a symbolic link");
  EXPECT_TRUE(S_ISLNK(mode_of(link)));
  EXPECT_EQ(read_all(victim), "keep me");
  // A dangling link is refused too: it would otherwise be replaced silently.
  auto dangling = path("dangling");
  ASSERT_EQ(::symlink(path("nowhere").c_str(), dangling.c_str()), 0);
  expect_refused(dangling, "a symbolic link");
}

TEST_F(DownloadFile, RefusesAFifoWithoutOpeningIt) {
  auto fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_refused(fifo, "a FIFO");  // opening it for writing would block: the test would hang
  EXPECT_TRUE(S_ISFIFO(mode_of(fifo)));
}

TEST_F(DownloadFile, RefusesADirectory) {
  auto d = path("d");
  fs::create_directory(d);
  expect_refused(d, "a directory");
  EXPECT_TRUE(fs::is_directory(d));
}

TEST_F(DownloadFile, DeviceKindsAreNamed) {
  EXPECT_EQ(dfs::file_kind(S_IFCHR), "a character device");  // /dev/null
  EXPECT_EQ(dfs::file_kind(S_IFBLK), "a block device");
  EXPECT_EQ(dfs::file_kind(S_IFSOCK), "a socket");
}

// The old code wrote to the fixed name TARGET.dfs-part with O_TRUNC, following a symlink
// planted there: the victim was truncated and overwritten.
TEST_F(DownloadFile, ASymlinkAtTheOldFixedTempNameIsNotFollowed) {
  auto victim = path("victim");
  write_all(victim, "keep me");
  auto target = path("out");
  auto planted = target + ".dfs-part";
  ASSERT_EQ(::symlink(victim.c_str(), planted.c_str()), 0);
  {
    download_file out{target};
    out.write_at(0, "downloaded");
    out.commit();
  }
  EXPECT_EQ(read_all(victim), "keep me");
  EXPECT_EQ(read_all(target), "downloaded");
  EXPECT_TRUE(S_ISLNK(mode_of(planted)));
}

TEST_F(DownloadFile, ATargetThatBecameASymlinkDuringTheDownloadIsRefusedAtCommit) {
  auto victim = path("victim");
  write_all(victim, "keep me");
  auto target = path("out");
  download_file out{target};
  out.write_at(0, "downloaded");
  ASSERT_EQ(::symlink(victim.c_str(), target.c_str()), 0);
  EXPECT_THROW(out.commit(), storage_error);
  EXPECT_TRUE(S_ISLNK(mode_of(target)));
  EXPECT_EQ(read_all(victim), "keep me");
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(DownloadFile, AnAbandonedDownloadLeavesNoTempFile) {
  auto target = path("out");
  {
    download_file out{target};
    out.write_at(0, "half");
  }  // e.g. a chunk could not be read: the exception unwinds through here
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(DownloadFile, AMissingDirectoryIsOneLine) {
  try {
    download_file out{path("no/such/dir/out")};
    ADD_FAILURE() << "created a file in a missing directory";
  } catch (const storage_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("cannot create"), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  }
}
