// Self-healing storage (issue 12) with a master and 4 chunkservers as real processes: a
// chunkserver SIGKILLed for good has every chunk it held copied back to 3 replicas, chunkserver
// to chunkserver, and the files stay byte-exact; a second loss after that repair still loses
// nothing; the console's `repair` counts the copies.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::fnv1a;
using dfs::test::read_all;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = 0;
constexpr int chunkservers = 4;

// One row of the console's `chunks REMOTE`: the replica count and where they are.
struct chunk_row {
  int replicas = 0;
  std::string where;
};

std::vector<chunk_row> parse_chunks(const std::string& out) {
  std::vector<chunk_row> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string index, handle, version, size, replicas, where;
    if (!(l >> index >> handle >> version >> size >> replicas)) continue;
    if (index.find_first_not_of("0123456789") != std::string::npos) continue;
    std::getline(l, where);
    rows.push_back({std::stoi(replicas), where});
  }
  return rows;
}

struct Repair : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;
  std::map<std::string, std::string> files;  // remote -> local original

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    c.set_common({"master.address=" + master_addr, "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300",
                  "repair.delay_ms=2000"});
    c.add_common(extra());
    c.start("master", "master", master_index);
    for (int i = 1; i <= chunkservers; ++i) c.start("cs" + std::to_string(i), "chunkserver", i);
    ASSERT_TRUE(wait_until([&] { return healthy() == chunkservers; }, 20s))
        << c.admin(master_index, {"chunkservers"}).out;
  }

  virtual std::vector<std::string> extra() { return {}; }

  int healthy() { return c.healthy_chunkservers(master_index); }
  run_result cli(const std::vector<std::string>& args) {
    return dfs::test::run(c.client_argv({"master.address=" + master_addr}, args), c.dir());
  }
  std::string local(const std::string& name) { return c.dir() + "/" + name; }

  void put(const std::string& name, size_t size, const std::string& chunk_size) {
    write_random(local(name), size, static_cast<uint32_t>(size));
    auto p = cli({"put", local(name), "/" + name, "--chunk-size", chunk_size});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    files["/" + name] = local(name);
  }
  // Every chunk of every file has `n` replicas, none on `gone`.
  bool all_chunks_at(int n, const std::vector<std::string>& gone) {
    for (auto& [remote, _] : files) {
      auto rows = parse_chunks(c.admin(master_index, {"chunks", remote}).out);
      if (rows.empty()) return false;
      for (auto& r : rows) {
        if (r.replicas != n) return false;
        for (auto& g : gone)
          if (r.where.find(g) != std::string::npos) return false;
      }
    }
    return true;
  }
  void expect_files_intact() {
    for (auto& [remote, original] : files) {
      auto back = original + ".back";
      std::filesystem::remove(back);
      auto g = cli({"get", remote, back});
      ASSERT_EQ(g.exit_code, 0) << remote << ": " << g.err;
      EXPECT_EQ(fnv1a(read_all(original)), fnv1a(read_all(back))) << remote;
    }
  }
  // Whether `chunkservers` shows the node at `index` draining or drained.
  bool drain_listed(int index) {
    auto t = c.admin(master_index, {"chunkservers"}).out;
    auto at = t.find(node_prefix(index));
    if (at == std::string::npos) return 0;
    auto line = t.substr(at, t.find('\n', at) - at);
    return line.find(" draining ") != std::string::npos ||
           line.find(" drained ") != std::string::npos;
  }
  // How `chunks` names a node: its node id "host:port#incarnation".
  std::string node_prefix(int index) { return c.addr_of(index) + "#"; }
};

TEST_F(Repair, AKilledChunkserversChunksAreCopiedBackAndASecondLossLosesNothing) {
  put("big", 6u << 20, "1MiB");
  put("small", 200000, "64KiB");
  put("one", 777, "1KiB");
  ASSERT_TRUE(all_chunks_at(3, {}));
  // Kill for good a chunkserver that holds replicas (placement decides which do; on a disk the
  // whole machine shares, one of the 4 may hold none).
  auto rows = parse_chunks(c.admin(master_index, {"chunks", "/big"}).out);
  ASSERT_FALSE(rows.empty());
  std::vector<int> holders;  // of the first chunk of /big
  for (int i = 1; i <= chunkservers; ++i)
    if (rows[0].where.find(node_prefix(i)) != std::string::npos) holders.push_back(i);
  ASSERT_EQ(holders.size(), 3u) << rows[0].where;
  const int first = holders[0], second = holders[1];
  c.kill9("cs" + std::to_string(first));
  ASSERT_TRUE(wait_until([&] { return all_chunks_at(3, {node_prefix(first)}); }, 60s))
      << c.admin(master_index, {"chunks", "/big"}).out << c.admin(master_index, {"repair"}).out;
  auto rep = c.admin(master_index, {"repair"}).out;
  EXPECT_EQ(rep.find("done 0,"), std::string::npos) << rep;
  EXPECT_NE(rep.find("in flight 0"), std::string::npos) << rep;
  EXPECT_NE(c.admin(master_index, {"under-replicated"}).out.find("0 chunks under-replicated"),
            std::string::npos);
  expect_files_intact();
  auto fsck = c.admin(master_index, {"fsck"});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.out << fsck.err;
  EXPECT_NE(fsck.out.find("3 files: 3 healthy, 0 under-replicated, 0 with missing"),
            std::string::npos)
      << fsck.out;
  // A second loss after the first repair: 2 chunkservers are left, so 2 replicas is all there
  // can be — and every byte is still there.
  c.kill9("cs" + std::to_string(second));
  ASSERT_TRUE(wait_until(
      [&] {
        return all_chunks_at(2, {node_prefix(first), node_prefix(second)});
      },
      60s))
      << c.admin(master_index, {"chunks", "/big"}).out;
  expect_files_intact();
}

// The scrubber runs passes back to back here (the default is one per 24 h).
struct Scrub : Repair {
  std::vector<std::string> extra() override {
    return {"chunkserver.scrub_interval_h=0", "chunkserver.scrub_mib_s=64"};
  }
  std::vector<std::filesystem::path> chunk_files(int index, const std::string& sub) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(
             c.dir() + "/cs" + std::to_string(index) + "/" + sub, ec))
      if (e.path().extension() == ".chunk") out.push_back(e.path());
    return out;
  }
};

TEST_F(Scrub, ACorruptReplicaNobodyReadsIsFoundAndRepaired) {
  put("cold", 300000, "64KiB");
  ASSERT_TRUE(wait_until([&] { return all_chunks_at(3, {}); }, 30s))
      << c.admin(master_index, {"chunks", "/cold"}).out;
  // Placement decides which chunkservers hold the 15 replicas, and one of the 4 may hold none
  // (CI saw cs1 empty once): corrupt a replica on the first chunkserver that has one.
  int cs = 0;
  std::vector<std::filesystem::path> files_on_cs;
  for (int i = 1; i <= chunkservers && files_on_cs.empty(); ++i)
    if (!(files_on_cs = chunk_files(i, "chunks")).empty()) cs = i;
  ASSERT_NE(cs, 0) << c.admin(master_index, {"chunks", "/cold"}).out;
  dfs::test::flip_last_byte(files_on_cs[0]);
  // No client reads it: the scrubber finds it, the replica is set aside, repair copies it back.
  ASSERT_TRUE(wait_until([&] { return chunk_files(cs, "corrupt").size() == 1; }, 30s))
      << c.admin(cs, {"scrub"}).out;
  EXPECT_TRUE(wait_until([&] { return all_chunks_at(3, {}); }, 30s))
      << c.admin(master_index, {"chunks", "/cold"}).out;
  auto scrub = c.admin(cs, {"scrub"}).out;
  EXPECT_NE(scrub.find("corrupt replicas found 1"), std::string::npos) << scrub;
  expect_files_intact();
}

TEST_F(Repair, FsckReportsChunksWithNoLiveReplicaAndExitsNonZero) {
  put("f", 100000, "64KiB");
  // The three chunkservers holding the first chunk, at once (placement decides which).
  auto rows = parse_chunks(c.admin(master_index, {"chunks", "/f"}).out);
  ASSERT_FALSE(rows.empty());
  int killed = 0;
  for (int i = 1; i <= chunkservers; ++i)
    if (rows[0].where.find(node_prefix(i)) != std::string::npos) {
      c.kill9("cs" + std::to_string(i));
      ++killed;
    }
  ASSERT_EQ(killed, 3) << rows[0].where;
  run_result fsck;
  ASSERT_TRUE(wait_until(
      [&] {
        fsck = c.admin(master_index, {"fsck", "/"});
        return fsck.out.find(" missing\n") != std::string::npos;
      },
      30s))
      << fsck.out;
  EXPECT_EQ(fsck.exit_code, 1) << fsck.out;
  EXPECT_NE(fsck.out.find("/f "), std::string::npos) << fsck.out;
  auto bad = c.admin(master_index, {"fsck", "/no/such"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("no such file or directory: /no"), std::string::npos) << bad.err;
}

// A chunkserver that comes back with the replicas it had: chunks of a file removed while it was
// away are deleted from its disk (orphans), the rest count again (and the surplus is trimmed),
// and reads stay byte-exact.
TEST_F(Repair, AChunkserverBackWithOldReplicasHasOrphansRemovedAndTheRestRecognised) {
  put("gone", 300000, "64KiB");
  put("kept", 300000, "64KiB");
  auto handles_on = [&](int cs, const std::string& remote) {
    std::vector<std::string> out;
    std::istringstream in(c.admin(master_index, {"chunks", remote}).out);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream l(line);
      std::string index, handle;
      if (l >> index >> handle && line.find(node_prefix(cs)) != std::string::npos)
        out.push_back(handle);
    }
    return out;
  };
  // Placement decides which chunkserver holds what: take one that holds chunks of both files.
  int back = 0;
  std::vector<std::string> gone_on_back, kept_on_back;
  for (int cs = 1; cs <= chunkservers && back == 0; ++cs) {
    gone_on_back = handles_on(cs, "/gone");
    kept_on_back = handles_on(cs, "/kept");
    if (!gone_on_back.empty() && !kept_on_back.empty()) back = cs;
  }
  ASSERT_NE(back, 0) << c.admin(master_index, {"chunks", "/gone"}).out
                     << c.admin(master_index, {"chunks", "/kept"}).out;
  auto name = "cs" + std::to_string(back);
  auto file_of = [&](const std::string& h) {
    return c.dir() + "/" + name + "/chunks/" + h + ".chunk";
  };
  ASSERT_TRUE(std::filesystem::exists(file_of(gone_on_back[0])));
  ASSERT_EQ(c.proc(name).signal_and_wait(SIGTERM), 0);
  ASSERT_TRUE(wait_until([&] { return all_chunks_at(3, {node_prefix(back)}); }, 60s))
      << c.admin(master_index, {"repair"}).out;
  ASSERT_EQ(cli({"rm", "/gone"}).exit_code, 0);
  ASSERT_EQ(cli({"trash", "purge", "/gone"}).exit_code, 0);  // rm alone keeps it in the trash
  files.erase("/gone");
  c.start(name, "chunkserver", back);  // same data dir, new incarnation
  EXPECT_TRUE(wait_until(
      [&] {
        for (auto& h : gone_on_back)
          if (std::filesystem::exists(file_of(h))) return false;
        return true;
      },
      30s))
      << "chunks of a removed file stayed on the returning chunkserver";
  // Its replicas of /kept count again, which makes those chunks over-replicated: the master
  // trims them back to 3 (one holder deletes its copy).
  EXPECT_TRUE(wait_until([&] { return all_chunks_at(3, {}); }, 30s))
      << c.admin(master_index, {"chunks", "/kept"}).out;
  expect_files_intact();
}

TEST_F(Repair, DrainCopiesEveryReplicaOffAChunkserverAndNewChunksAvoidIt) {
  put("big", 6u << 20, "1MiB");
  put("small", 200000, "64KiB");
  auto cs1 = c.addr_of(1);
  EXPECT_NE(c.admin(master_index, {"drain", cs1}, "client").exit_code, 0)
      << "a client certificate drained a chunkserver";
  auto d = c.admin(master_index, {"drain", cs1});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto unknown = c.admin(master_index, {"drain", "127.0.0.1:1"});
  EXPECT_NE(unknown.exit_code, 0);
  // One line: the node's trailing newline is not printed as a literal "\n".
  EXPECT_EQ(unknown.err, "error: no registered chunkserver at 127.0.0.1:1\n");
  // The DATA address `chunkservers` lists beside the node's: said which node's it is.
  auto data_addr = "127.0.0.1:" + std::to_string(c.port_of(1) + 1);
  auto by_data = c.admin(master_index, {"drain", data_addr});
  EXPECT_NE(by_data.exit_code, 0);
  EXPECT_EQ(by_data.err, "error: no registered chunkserver at " + data_addr +
                             " (the data address of " + cs1 + "; drain takes the NODE address)\n");
  // Every chunk reaches 3 replicas without cs1 (cs1 keeps its copies until it is retired).
  auto three_elsewhere = [&] {
    for (auto& [remote, _] : files)
      for (auto& r : parse_chunks(c.admin(master_index, {"chunks", remote}).out)) {
        int on_cs1 = r.where.find(node_prefix(1)) != std::string::npos ? 1 : 0;
        if (r.replicas - on_cs1 < 3) return false;
      }
    return true;
  };
  ASSERT_TRUE(wait_until(three_elsewhere, 60s)) << c.admin(master_index, {"repair"}).out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto t = c.admin(master_index, {"chunkservers"}).out;
        auto line = t.substr(t.find(node_prefix(1)));
        return line.substr(0, line.find('\n')).find(" drained ") != std::string::npos;
      },
      10s))
      << c.admin(master_index, {"chunkservers"}).out;
  // The drain is logged: a master killed and restarted still keeps new chunks off cs1.
  c.kill9("master");
  c.start("master", "master", master_index);
  ASSERT_TRUE(wait_until([&] { return healthy() == chunkservers; }, 20s))
      << c.admin(master_index, {"chunkservers"}).out;
  EXPECT_TRUE(drain_listed(1)) << c.admin(master_index, {"chunkservers"}).out;
  // New chunks go elsewhere.
  put("after", 3u << 20, "1MiB");
  for (auto& r : parse_chunks(c.admin(master_index, {"chunks", "/after"}).out))
    EXPECT_EQ(r.where.find(node_prefix(1)), std::string::npos) << r.where;
  expect_files_intact();
  EXPECT_EQ(c.admin(master_index, {"undrain", cs1}).exit_code, 0);
  auto t = c.admin(master_index, {"chunkservers"}).out;
  EXPECT_EQ(t.find(" draining "), std::string::npos) << t;
  EXPECT_EQ(t.find(" drained "), std::string::npos) << t;
}

// rm keeps a file in the trash for master.trash_ttl_s (3 s here).
struct Trash : Repair {
  std::vector<std::string> extra() override { return {"master.trash_ttl_s=3"}; }
  size_t chunk_files_everywhere() {
    size_t n = 0;
    std::error_code ec;
    for (int i = 1; i <= chunkservers; ++i)
      for (auto& e :
           std::filesystem::directory_iterator(c.dir() + "/cs" + std::to_string(i) + "/chunks", ec))
        n += e.path().extension() == ".chunk";
    return n;
  }
};

TEST_F(Trash, RmThenUndeleteIsByteExactAndExpiryFreesTheChunksOnDisk) {
  put("doc", 300000, "64KiB");
  auto original = fnv1a(read_all(local("doc")));
  auto on_disk = chunk_files_everywhere();
  ASSERT_EQ(on_disk, 5u * 3);
  ASSERT_EQ(cli({"rm", "/doc"}).exit_code, 0);
  EXPECT_NE(cli({"get", "/doc", local("x")}).exit_code, 0);
  auto list = cli({"trash"});
  EXPECT_NE(list.out.find("/doc"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("1 files in the trash"), std::string::npos) << list.out;
  auto u = cli({"undelete", "/doc"});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  expect_files_intact();
  EXPECT_EQ(chunk_files_everywhere(), on_disk);
  // An undelete onto an existing name is refused; --as restores beside it.
  ASSERT_EQ(cli({"rm", "/doc"}).exit_code, 0);
  put("doc", 1000, "1KiB");
  auto clash = cli({"undelete", "/doc"});
  EXPECT_NE(clash.exit_code, 0);
  EXPECT_NE(clash.err.find("exists"), std::string::npos) << clash.err;
  ASSERT_EQ(cli({"undelete", "/doc", "--as", "/doc.old"}).exit_code, 0);
  auto back = cli({"get", "/doc.old", local("doc.old")});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(fnv1a(read_all(local("doc.old"))), original);
  files.erase("/doc");  // now the small one; checked above
  // Left in the trash past master.trash_ttl_s, a file's chunks are deleted from every disk.
  auto before = chunk_files_everywhere();
  ASSERT_EQ(cli({"rm", "/doc.old"}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return chunk_files_everywhere() == before - 15; }, 30s))
      << chunk_files_everywhere() << " chunk files, " << before << " before";
  EXPECT_NE(cli({"trash"}).out.find("0 files in the trash"), std::string::npos);
  EXPECT_NE(cli({"undelete", "/doc.old"}).exit_code, 0);
}

// Hot chunks get extra replicas (up to replicator.max_replicas = 4 here) while clients read
// them more than 5 times a second, and lose them again 3 s after they cooled down.
struct Hot : Repair {
  std::vector<std::string> extra() override {
    return {"replicator.hot_reads_per_s=5", "replicator.max_replicas=4",
            "replicator.cool_down_s=3"};
  }
};

TEST_F(Hot, AHotFileGetsExtraReplicasThenGoesBackToThreeWhenCold) {
  put("hot", 5000, "64KiB");
  ASSERT_TRUE(all_chunks_at(3, {}));
  // Read it in a loop (each get is a new client process, ~10-20 per second here).
  ASSERT_TRUE(wait_until(
      [&] {
        for (int i = 0; i < 5; ++i) EXPECT_EQ(cli({"cat", "/hot"}).exit_code, 0);
        return all_chunks_at(4, {});
      },
      60s))
      << c.admin(master_index, {"chunks", "/hot"}).out << c.admin(master_index, {"repair"}).out;
  EXPECT_NE(c.admin(master_index, {"repair"}).out.find("hot chunks 1"), std::string::npos);
  expect_files_intact();
  // Nobody reads it now: after the cool-down it is trimmed back to 3.
  EXPECT_TRUE(wait_until([&] { return all_chunks_at(3, {}); }, 30s))
      << c.admin(master_index, {"chunks", "/hot"}).out;
  expect_files_intact();
}

// Chunkservers of 64 MiB each: a fifth one joins empty and receives replicas until usage is
// within balance.threshold_pct (10 points) of the fullest.
struct Balance : Repair {
  std::vector<std::string> extra() override {
    return {"chunkserver.capacity_bytes=67108864", "balance.threshold_pct=10"};
  }
  // The CHUNKS column of `chunkservers`, for the healthy ones.
  std::vector<int> chunk_counts() {
    std::vector<int> out;
    std::istringstream in(c.admin(master_index, {"chunkservers"}).out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(" healthy ") == std::string::npos) continue;
      auto last = line.find_last_of(' ');
      out.push_back(std::stoi(line.substr(last + 1)));
    }
    return out;
  }
};

TEST_F(Balance, ANewChunkserverReceivesReplicasUntilUsageIsWithinTheThreshold) {
  put("a", 20u << 20, "1MiB");
  put("b", 20u << 20, "1MiB");
  c.start("cs5", "chunkserver", 5);
  ASSERT_TRUE(wait_until([&] { return healthy() == 5; }, 20s));
  // 40 chunks x 3 replicas over 5 servers: 24 each when even; within 10 % of 64 MiB (6.4
  // chunks of 1 MiB) of each other is enough.
  ASSERT_TRUE(wait_until(
      [&] {
        auto n = chunk_counts();
        if (n.size() != 5) return false;
        auto [lo, hi] = std::minmax_element(n.begin(), n.end());
        return *lo >= 16 && *hi - *lo <= 7 && all_chunks_at(3, {});
      },
      90s))
      << c.admin(master_index, {"chunkservers"}).out << c.admin(master_index, {"repair"}).out;
  expect_files_intact();
}

}  // namespace
