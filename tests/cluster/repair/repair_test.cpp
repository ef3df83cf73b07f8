// Self-healing storage (issue 12) with a master and 4 chunkservers as real processes: a
// chunkserver SIGKILLed for good has every chunk it held copied back to 3 replicas, chunkserver
// to chunkserver, and the files stay byte-exact; a second loss after that repair still loses
// nothing; the console's `repair` counts the copies.
#include <gtest/gtest.h>

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

  int healthy() {
    auto r = c.admin(master_index, {"chunkservers"});
    int n = 0;
    for (size_t p = 0; (p = r.out.find(" healthy ", p)) != std::string::npos; ++p) ++n;
    return n;
  }
  run_result cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        DFS_BIN_PATH, "--role",           "client", "--set", "master.address=" + master_addr,
        "--set",      "log.console=false"};
    auto tls = c.tls_args("client");
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return dfs::test::run(argv, c.dir());
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
  // How `chunks` names a node: its node id "host:port#incarnation".
  std::string node_prefix(int index) { return c.addr_of(index) + "#"; }
};

TEST_F(Repair, AKilledChunkserversChunksAreCopiedBackAndASecondLossLosesNothing) {
  put("big", 6u << 20, "1MiB");
  put("small", 200000, "64KiB");
  put("one", 777, "1KiB");
  ASSERT_TRUE(all_chunks_at(3, {}));
  // cs1 holds 3 of every 4 replicas' worth: kill it for good.
  c.kill9("cs1");
  ASSERT_TRUE(wait_until([&] { return all_chunks_at(3, {node_prefix(1)}); }, 60s))
      << c.admin(master_index, {"chunks", "/big"}).out << c.admin(master_index, {"repair"}).out;
  auto rep = c.admin(master_index, {"repair"}).out;
  EXPECT_EQ(rep.find("done 0,"), std::string::npos) << rep;
  EXPECT_NE(rep.find("in flight 0"), std::string::npos) << rep;
  EXPECT_NE(c.admin(master_index, {"under-replicated"}).out.find("0 chunks under-replicated"),
            std::string::npos);
  expect_files_intact();
  // A second loss after the first repair: 2 chunkservers are left, so 2 replicas is all there
  // can be — and every byte is still there.
  c.kill9("cs2");
  ASSERT_TRUE(wait_until(
      [&] {
        return all_chunks_at(2, {node_prefix(1), node_prefix(2)});
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
  ASSERT_TRUE(all_chunks_at(3, {}));
  auto files_on_cs1 = chunk_files(1, "chunks");
  ASSERT_FALSE(files_on_cs1.empty());
  {  // flip the last data byte of one replica on cs1
    std::fstream io(files_on_cs1[0], std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(-1, std::ios::end);
    char b = 0;
    io.read(&b, 1);
    b = static_cast<char>(b ^ 0x5a);
    io.seekp(-1, std::ios::end);
    io.write(&b, 1);
  }
  // No client reads it: the scrubber finds it, the replica is set aside, repair copies it back.
  ASSERT_TRUE(wait_until([&] { return chunk_files(1, "corrupt").size() == 1; }, 30s))
      << c.admin(1, {"scrub"}).out;
  EXPECT_TRUE(wait_until([&] { return all_chunks_at(3, {}); }, 30s))
      << c.admin(master_index, {"chunks", "/cold"}).out;
  auto scrub = c.admin(1, {"scrub"}).out;
  EXPECT_NE(scrub.find("corrupt replicas found 1"), std::string::npos) << scrub;
  expect_files_intact();
}

}  // namespace
