// Full disks, against real processes through the client CLI. The full directory is a small
// tmpfs of one process's own (a mount namespace made by `unshare`, so no root is needed where
// user namespaces are allowed).
//
// JournalFull: one master's journal, filled with small inline files. Found as a user: the failed
// put was answered "journal failed" only after the client had asked 12 times over its whole
// timeout, the error did not say why, and the file it failed to log was listed and readable anyway
// (the master had applied it in memory; a restart took it back).
// ChunkDiskFull: chunkservers whose chunk directory is a small disk of its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;

bool private_mounts_work() {
  return std::system("/usr/bin/unshare --user --map-root-user --mount true >/dev/null 2>&1") == 0;
}

// The prefix that runs a node with `dir` on a tmpfs of `size` that only it sees.
std::vector<std::string> on_tmpfs(const std::string& dir, const std::string& size) {
  return {"/usr/bin/unshare",
          "--user",
          "--map-root-user",
          "--mount",
          "sh",
          "-c",
          "mkdir -p \"$0\" && mount -t tmpfs -o size=" + size + " tmpfs \"$0\" && exec \"$@\"",
          dir};
}

// A master and chunkservers cs1, cs2, ...: cs<i+1>'s chunk directory is a tmpfs of
// `chunk_disks[i]` ("4m") of its own, or on the test's disk when that is empty.
void start_with_chunk_disks(dfs_cluster& c, const std::vector<std::string>& chunk_disks) {
  c.start("master", "master", master_index);
  for (size_t i = 0; i < chunk_disks.size(); ++i) {
    auto name = "cs" + std::to_string(i + 1);
    if (!chunk_disks[i].empty())
      c.set_prefix(on_tmpfs(c.dir() + "/" + name + "/chunks", chunk_disks[i]));
    c.start(name, "chunkserver", static_cast<int>(i + 1));
    c.set_prefix({});
  }
  ASSERT_TRUE(wait_until(
      [&] { return c.healthy_chunkservers(master_index) == static_cast<int>(chunk_disks.size()); },
      20s))
      << c.admin(master_index, {"chunkservers"}).out;
}

// The `chunkservers` row of the chunkserver at `addr`, split at blanks: NODE DATA ZONE STATE
// DRAIN LAST_HEARTBEAT, then CAPACITY, FREE and USED as number and unit, then CHUNKS.
std::vector<std::string> chunkserver_row(dfs_cluster& c, const std::string& addr) {
  std::istringstream in(c.admin(master_index, {"chunkservers"}).out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(addr + "#", 0) != 0) continue;
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    return row;
  }
  return {};
}

TEST(JournalFull, TheMasterServesWhatItsDiskHoldsAndRefusesChangesAtOnceNamingTheCause) {
  if (!private_mounts_work())
    GTEST_SKIP() << "unshare --user --mount is not allowed here (no user namespaces)";
  dfs_cluster c;
  auto master_addr = c.addr_of(master_index);
  c.set_common(
      {"master.address=" + master_addr, "master.inline_max_bytes=4096", "master.dir_lease_ms=0"});
  // The journal lives in DATA_DIR/master: a 256 KiB tmpfs there, seen by the master alone.
  c.set_prefix(on_tmpfs(c.dir() + "/master/master", "256k"));
  c.start("master", "master", master_index);
  c.set_prefix({});
  auto cli = [&](const std::vector<std::string>& args) {
    return dfs::test::run(
        c.client_argv({"master.address=" + master_addr, "client.timeout_ms=4000"}, args), c.dir());
  };
  ASSERT_TRUE(wait_until(
      [&] {
        return cli({"mkdir", "/d"}).exit_code == 0;
      },
      20s))
      << cli({"mkdir", "/d"}).err << dfs::test::read_all(c.dir() + "/master.out")
      << dfs::test::read_all(c.dir() + "/master/logs/dfsnode.log");

  auto local = c.dir() + "/small";
  write_random(local, 4000, 7);
  auto bytes = dfs::test::read_all(local);
  std::set<std::string> acknowledged;
  std::vector<std::string> errors;
  for (int i = 0; i < 400 && errors.size() < 3; ++i) {
    auto name = "f" + std::to_string(i);
    auto r = cli({"put", local, "/d/" + name});
    if (r.exit_code == 0)
      acknowledged.insert(name);
    else
      errors.push_back(r.err);
  }
  ASSERT_EQ(errors.size(), 3u) << "256 KiB never filled up";
  ASSERT_FALSE(acknowledged.empty());
  for (const auto& e : errors) {
    // The cause, and no retries: nothing changes until an operator acts.
    EXPECT_NE(e.find("journal failed"), std::string::npos) << e;
    EXPECT_NE(e.find("No space left on device"), std::string::npos) << e;
    EXPECT_NE(e.find("until it is restarted"), std::string::npos) << e;
    EXPECT_EQ(e.find("attempts within"), std::string::npos) << e;
  }
  auto mkdir = cli({"mkdir", "/e"});
  EXPECT_NE(mkdir.exit_code, 0);
  EXPECT_NE(mkdir.err.find("No space left on device"), std::string::npos) << mkdir.err;

  // It lists exactly the puts it acknowledged: not the one whose record never reached the disk.
  auto ls = cli({"ls", "/d"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  std::set<std::string> listed;
  std::istringstream lines(ls.out);
  for (std::string line; std::getline(lines, line);) listed.insert(line);
  EXPECT_EQ(listed, acknowledged);
  auto cat = cli({"cat", "/d/" + *acknowledged.begin()});
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_TRUE(cat.out == bytes);

  auto masters = c.admin(master_index, {"masters"});
  EXPECT_NE(masters.out.find("refusing changes"), std::string::npos) << masters.out;
  EXPECT_TRUE(c.proc("master").running());
}

// A chunkserver whose chunk directory is a disk of its own (a 4 MiB tmpfs) offers that disk,
// not the one holding its data directory (it offered the data directory's). When it fills up,
// a put still succeeds on the write quorum, reads back, and the full one stays up, reporting
// no free space (so repair sends it no more copies).
TEST(ChunkDiskFull, AChunkDirectoryOnItsOwnDiskIsWhatTheChunkserverOffersAndFillsSafely) {
  if (!private_mounts_work())
    GTEST_SKIP() << "unshare --user --mount is not allowed here (no user namespaces)";
  dfs_cluster c;
  auto master_addr = c.addr_of(master_index);
  c.set_common(
      {"master.address=" + master_addr, "chunkserver.heartbeat_interval_ms=300", "quorum.write=2"});
  start_with_chunk_disks(c, {"4m", "", ""});
  if (HasFatalFailure()) return;
  auto row = chunkserver_row(c, c.addr_of(1));
  ASSERT_EQ(row.size(), 13u) << c.admin(master_index, {"chunkservers"}).out;
  EXPECT_EQ(row[6] + " " + row[7], "4.0 MiB") << c.admin(master_index, {"chunkservers"}).out;

  auto local = c.dir() + "/big";
  write_random(local, 12 << 20, 11);
  auto cli = [&](const std::vector<std::string>& args) {
    return dfs::test::run(
        c.client_argv({"master.address=" + master_addr, "client.timeout_ms=8000"}, args), c.dir());
  };
  auto put = cli({"put", local, "/big", "--chunk-size", "1MiB"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  auto back = c.dir() + "/back";
  auto get = cli({"get", "/big", back});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_TRUE(dfs::test::read_all(back) == dfs::test::read_all(local));
  // Full: less than one chunk free (the unit is B or KiB, or MiB below 1).
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = chunkserver_row(c, c.addr_of(1));
        return r.size() == 13 && (r[9] != "MiB" || std::stod(r[8]) < 1.0) && r[9] != "GiB";
      },
      10s))
      << c.admin(master_index, {"chunkservers"}).out;
  EXPECT_TRUE(c.proc("cs1").running());
}

// Every chunkserver full: the put fails with one line naming each replica that did not store the
// chunk and its disk's error (it named only the last one tried, ending in "; )"), no file
// appears, and every chunkserver stays up.
TEST(ChunkDiskFull, APutThatFitsNowhereFailsNamingEveryFullReplicaAndLeavesNoFile) {
  if (!private_mounts_work())
    GTEST_SKIP() << "unshare --user --mount is not allowed here (no user namespaces)";
  dfs_cluster c;
  auto master_addr = c.addr_of(master_index);
  c.set_common({"master.address=" + master_addr, "chunkserver.heartbeat_interval_ms=300"});
  start_with_chunk_disks(c, {"2m", "2m", "2m"});
  if (HasFatalFailure()) return;
  auto local = c.dir() + "/big";
  write_random(local, 6 << 20, 12);
  auto put = dfs::test::run(c.client_argv({"master.address=" + master_addr},
                                          {"put", local, "/big", "--chunk-size", "1MiB"}),
                            c.dir());
  EXPECT_NE(put.exit_code, 0);
  // "chunk K of /big stored on N replicas, ... (A: ...; B: ...)": each replica that did not
  // store it is named, and there were three.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(put.err, m, std::regex("stored on ([0-9]) replicas"))) << put.err;
  int named = 0;
  for (int i = 1; i <= 3; ++i)
    named +=
        put.err.find("127.0.0.1:" + std::to_string(c.port_of(i) + 1) + ": ") != std::string::npos;
  EXPECT_EQ(named + std::stoi(m[1]), 3) << put.err;
  EXPECT_NE(put.err.find("No space left on device"), std::string::npos) << put.err;
  EXPECT_EQ(put.err.find("; )"), std::string::npos) << put.err;
  EXPECT_EQ(std::count(put.err.begin(), put.err.end(), '\n'), 1) << put.err;
  auto ls = dfs::test::run(c.client_argv({"master.address=" + master_addr}, {"ls", "/"}), c.dir());
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, "");
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(c.proc("cs" + std::to_string(i)).running()) << i;
}

}  // namespace

// A durable fileserver whose DATA_DIR/gcs has no room for its next image and a log segment
// stops with exit code 3 and one line naming the directory, before it joins the gossip group.
// Found as a user: one whose disk had filled joined, failed its first image in the middle of the
// view change that took it in, and the group waited a view timeout (0.6 s) for it at every one
// of systemd's restarts. The group of two goes on serving, and never lists the third.
TEST(GcsDiskFull, AFileserverWithNoRoomForItsQueueStateStopsBeforeItJoins) {
  if (!private_mounts_work())
    GTEST_SKIP() << "unshare --user --mount is not allowed here (no user namespaces)";
  dfs_cluster c;
  c.set_common({"cluster.introducers=[\"" + c.addr_of(1) + "\"]", "gcs.expected_group_size=3"});
  c.start("fs1", "introducer,fileserver", 1);
  c.start("fs2", "fileserver", 2);
  auto primary_of_two = [&] {
    auto v = c.admin(1, {"view"}).out;
    return v.find("primary          yes") != std::string::npos &&
           v.find("   1  127.0.0.1") != std::string::npos;
  };
  ASSERT_TRUE(wait_until(primary_of_two, 30s)) << c.admin(1, {"view"}).out;
  // 1 MiB: less than the probe (the image and 2 MiB).
  c.set_prefix(on_tmpfs(c.dir() + "/fs3/gcs", "1m"));
  c.start("fs3", "fileserver", 3);
  c.set_prefix({});
  auto& fs3 = c.proc("fs3");
  ASSERT_TRUE(wait_until([&] { return !fs3.running(); }, 20s));
  EXPECT_EQ(fs3.status(), 3);
  auto out = dfs::test::read_all(c.dir() + "/fs3.out");
  EXPECT_NE(out.find("dfsnode: error: no room for the queue state in " + c.dir() + "/fs3/gcs ("),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("No space left on device): free space there, then start the fileserver "
                     "again"),
            std::string::npos)
      << out;
  EXPECT_EQ(c.admin(1, {"members"}).out.find(c.addr_of(3)), std::string::npos)
      << c.admin(1, {"members"}).out;
  EXPECT_TRUE(primary_of_two()) << c.admin(1, {"view"}).out;
}
