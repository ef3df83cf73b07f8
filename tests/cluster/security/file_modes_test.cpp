// Local file safety, modes: after a master and a chunkserver have stored a file, checkpointed
// and logged, everything under their data dirs is theirs alone (directories 0700, chunk files,
// op log and checkpoints 0600, logs 0640), and data dirs an older install left open are
// tightened at start with one log line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "cluster/security/small_cluster.hpp"

using namespace std::chrono_literals;
using namespace dfs::test;
namespace fs = std::filesystem;

namespace {

// Every file and directory under `root` (root included) -> its mode.
std::map<std::string, int> modes_under(const std::string& root) {
  std::map<std::string, int> out{{root, mode_of(root)}};
  for (auto& e : fs::recursive_directory_iterator(root)) out[e.path()] = mode_of(e.path());
  return out;
}

std::vector<std::string> files_matching(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  return out;
}

// The mode every kind of node file must have.
int expected_mode(const std::string& path) {
  if (fs::is_directory(fs::symlink_status(path))) return 0700;
  if (fs::path(path).parent_path().filename() == "logs") return 0640;
  return 0600;
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = 0; (p = text.find(needle, p)) != std::string::npos; p += needle.size()) ++n;
  return n;
}

}  // namespace

TEST(FileModes, EverythingANodeCreatesIsPrivate) {
  small_cluster s;
  // A checkpoint soon after the put, so that there is one to look at.
  ASSERT_TRUE(s.start({"master.checkpoint_interval_ms=100"}));
  write_all(s.local("file"), std::string(5000, 'x'));
  auto put = s.cli({"put", s.local("file"), "/file"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  auto master_meta = s.data_dir("master") + "/master";
  ASSERT_TRUE(wait_until([&] { return !files_matching(master_meta, "checkpoint-").empty(); }, 20s));

  // The kinds the task names, each checked by name so that a missing one fails too.
  EXPECT_EQ(mode_of(s.data_dir("master")), 0700);
  EXPECT_EQ(mode_of(s.data_dir("cs1")), 0700);
  EXPECT_EQ(mode_of(master_meta), 0700);
  EXPECT_EQ(mode_of(s.data_dir("cs1") + "/chunks"), 0700);
  for (auto node : {"master", "cs1"}) {
    EXPECT_EQ(mode_of(s.data_dir(node) + "/logs"), 0700) << node;
    EXPECT_EQ(mode_of(s.data_dir(node) + "/logs/dfsnode.log"), 0640) << node;
  }
  // The chunk file and the empty spares kept for the next ones (storage/spare_files.hpp).
  auto chunks = files_matching(s.data_dir("cs1") + "/chunks", "");
  ASSERT_EQ(std::count_if(chunks.begin(), chunks.end(),
                          [](auto& f) { return fs::path(f).extension() == ".chunk"; }),
            1);
  for (auto& f : chunks) EXPECT_EQ(mode_of(f), 0600) << f;
  auto segments = files_matching(master_meta, "log-");
  ASSERT_FALSE(segments.empty());
  for (auto& f : segments) EXPECT_EQ(mode_of(f), 0600) << f;
  for (auto& f : files_matching(master_meta, "checkpoint-")) EXPECT_EQ(mode_of(f), 0600) << f;

  // And anything else a node writes there, now or in a later version.
  for (auto node : {"master", "cs1"})
    for (auto& [path, mode] : modes_under(s.data_dir(node)))
      EXPECT_EQ(mode, expected_mode(path)) << path << " has mode 0" << std::oct << mode;
  EXPECT_TRUE(s.running());
}

TEST(FileModes, LooseDataDirsAreTightenedAtStartWithOneLogLine) {
  small_cluster s;
  // What an older version (mkdir 0755, log files 0644) or a careless installer left behind.
  auto cs = s.data_dir("cs1");
  for (auto d : {"", "/chunks", "/logs"}) {
    fs::create_directories(cs + d);
    fs::permissions(cs + d, fs::perms(0755));
  }
  write_all(cs + "/logs/dfsnode.log", "an old log line\n");
  fs::permissions(cs + "/logs/dfsnode.log", fs::perms(0644));
  ASSERT_EQ(mode_of(cs + "/chunks"), 0755);

  ASSERT_TRUE(s.start());
  EXPECT_EQ(mode_of(cs), 0700);
  EXPECT_EQ(mode_of(cs + "/chunks"), 0700);
  EXPECT_EQ(mode_of(cs + "/logs"), 0700);
  EXPECT_EQ(mode_of(cs + "/logs/dfsnode.log"), 0640);
  auto log = read_all(cs + "/logs/dfsnode.log");
  EXPECT_EQ(count_of(log, "data_dir_permissions_tightened"), 1) << log;
  EXPECT_NE(log.find(cs + "/chunks (was 0755)"), std::string::npos) << log;
  // A node whose dirs are private already says nothing.
  EXPECT_EQ(count_of(read_all(s.data_dir("master") + "/logs/dfsnode.log"),
                     "data_dir_permissions_tightened"),
            0);
}
