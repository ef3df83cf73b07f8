// Master + 3 chunkservers as real processes, driven through the client CLI: put/get round
// trips (byte-exact by hash), a chunkserver SIGKILLed during a get, a corrupted replica, master
// SIGKILL + restart (acknowledged files survive) and during a put (old or new version, never a
// mix), and bad input (clear errors, no node crashes).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/dfs_cluster.hpp"
#include "common/pty_session.hpp"
#include "common/scoped_env.hpp"
#include "common/test_files.hpp"
#include "storage/chunk_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::fnv1a;
using dfs::test::process;
using dfs::test::read_all;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;
namespace fs = std::filesystem;

namespace {

constexpr int master_index = 0;

struct Storage : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    c.set_common({"master.address=" + master_addr, "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000", "chunkserver.heartbeat_interval_ms=300"});
    ASSERT_TRUE(c.start_master_and_chunkservers(master_index))
        << c.admin(master_index, {"chunkservers"}).out;
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  std::vector<std::string> client_argv(const std::vector<std::string>& args,
                                       const std::string& cert = "client") {
    return c.client_argv({"master.address=" + master_addr, "client.timeout_ms=8000"}, args, cert);
  }
  run_result cli(const std::vector<std::string>& args, const std::string& cert = "client") {
    return dfs::test::run(client_argv(args, cert), c.dir());
  }
  std::string local(const std::string& name) { return c.dir() + "/" + name; }

  // put LOCAL REMOTE, get REMOTE back, compare hashes.
  void round_trip(size_t size, const std::string& chunk_size, uint32_t seed) {
    auto name = "rt-" + std::to_string(size) + "-" + std::to_string(seed);
    write_random(local(name), size, seed);
    std::vector<std::string> put = {"put", local(name), "/" + name};
    if (!chunk_size.empty()) put.insert(put.end(), {"--chunk-size", chunk_size});
    auto p = cli(put);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    auto g = cli({"get", "/" + name, local(name + ".back")});
    ASSERT_EQ(g.exit_code, 0) << g.err;
    auto a = read_all(local(name)), b = read_all(local(name + ".back"));
    EXPECT_EQ(a.size(), b.size()) << name;
    EXPECT_EQ(fnv1a(a), fnv1a(b)) << name;
  }

  std::vector<std::string> chunk_files(const std::string& node) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(c.dir() + "/" + node + "/chunks", ec))
      if (e.path().extension() == ".chunk") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(Storage, RoundTripEdgeSizes) {
  round_trip(0, "", 1);
  round_trip(1, "", 2);
  for (size_t size : {65535, 65536, 65537, 3 * 65536 + 1}) round_trip(size, "64KiB", 3);
  round_trip(10000, "1KiB", 4);  // many small chunks
  auto ls = cli({"ls", "-l", "/"});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("rt-65537-3"), std::string::npos) << ls.out;
}

// One client putting many small files plans them in batches (storage_client reservations):
// every file must still get its own chunk, and a bad path among them its own clear error.
TEST_F(Storage, ManySmallPutsFromOneShell) {
  constexpr int files = 40;
  std::ofstream script(local("script"));
  script << "mkdir /many\n";
  for (int i = 0; i < files; ++i) {
    write_random(local("s" + std::to_string(i)), 100 + 37 * i, 100 + i);
    script << "put " << local("s" + std::to_string(i)) << " /many/f" << i << " --chunk-size 4KiB\n";
    if (i == files / 2)  // a file as a directory: refused at once, the stream goes on
      script << "put " << local("s0") << " /many/f0/x --chunk-size 4KiB\n";
  }
  script.close();
  auto r = dfs::test::run(client_argv({}), c.dir(), local("script"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("/many/f0"), std::string::npos) << r.err;
  for (int i = 0; i < files; ++i) {
    auto name = "s" + std::to_string(i);
    auto g = cli({"get", "/many/f" + std::to_string(i), local(name + ".back")});
    ASSERT_EQ(g.exit_code, 0) << g.err;
    EXPECT_EQ(fnv1a(read_all(local(name))), fnv1a(read_all(local(name + ".back")))) << name;
  }
  auto bad = cli({"stat", "/many/f0/x"});
  EXPECT_NE(bad.exit_code, 0);
}

TEST_F(Storage, RoundTripLargeFile) {
  round_trip(200u << 20, "", 5);
}

TEST_F(Storage, VersionsCatAndStore) {
  write_random(local("a"), 5000, 7);
  write_random(local("b"), 7000, 8);
  ASSERT_EQ(cli({"mkdir", "/d"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("a"), "/d/f", "--chunk-size", "4KiB"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("b"), "/d/f", "--chunk-size", "4KiB"}).exit_code, 0);
  auto cat = cli({"cat", "/d/f", "--version", "1"});
  EXPECT_EQ(cat.out, read_all(local("a")));
  auto v = cli({"versions", "/d/f", "2", local("out")});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(read_all(local("out.v1")), read_all(local("a")));
  EXPECT_EQ(read_all(local("out.v2")), read_all(local("b")));
  auto st = cli({"stat", "/d/f"});
  EXPECT_NE(st.out.find("7000 bytes, version 2"), std::string::npos) << st.out;
  EXPECT_EQ(cli({"stat", "/d"}).out, "/d: directory, 1 entry\n");
  // What a chunkserver holds is for operators: an admin certificate, not a client's.
  auto refused = cli({"store", c.addr_of(1)});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("list refused: list needs an admin certificate"), std::string::npos)
      << refused.err;
  // The DATA address `status` lists beside the node's is not what store takes: said so.
  auto data_addr = "127.0.0.1:" + std::to_string(c.port_of(1) + 1);
  auto wrong = cli({"store", data_addr}, "admin");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("the data port of the chunkserver at " + data_addr +
                           "; store takes the NODE address that status lists"),
            std::string::npos)
      << wrong.err;
  auto store = cli({"store", c.addr_of(1)}, "admin");
  EXPECT_EQ(store.exit_code, 0) << store.err;
  EXPECT_NE(store.out.find("4 chunks"), std::string::npos) << store.out;
  EXPECT_EQ(cli({"rm", "/d"}).exit_code, 1) << "not empty";
  EXPECT_EQ(cli({"rm", "/d/f"}).exit_code, 0);
  EXPECT_EQ(cli({"rm", "/d"}).exit_code, 0);
  auto files = c.admin(master_index, {"files"});
  EXPECT_NE(files.out.find("files 0"), std::string::npos) << files.out;
  // rm moved /d/f to the trash: its chunks stay until it is purged, then they are deleted on
  // the chunkservers through heartbeat replies.
  auto trash = cli({"trash"});
  EXPECT_NE(trash.out.find("/d/f"), std::string::npos) << trash.out;
  EXPECT_EQ(chunk_files("cs1").size(), 4u);
  ASSERT_EQ(cli({"trash", "purge"}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return chunk_files("cs1").empty(); }, 10s));
}

TEST_F(Storage, GetSurvivesChunkserverKill) {
  write_random(local("big"), 48u << 20, 9);
  ASSERT_EQ(cli({"put", local("big"), "/big", "--chunk-size", "1MiB"}).exit_code, 0);
  process get(client_argv({"get", "/big", local("big.back")}), local("get.log"));
  c.kill9("cs1");
  ASSERT_TRUE(wait_until([&] { return !get.running(); }, 60s));
  EXPECT_EQ(get.status(), 0) << read_all(local("get.log"));
  EXPECT_EQ(fnv1a(read_all(local("big"))), fnv1a(read_all(local("big.back"))));
}

TEST_F(Storage, CorruptReplicaIsDetectedDroppedAndRepaired) {
  write_random(local("f"), 3 * 65536, 10);
  ASSERT_EQ(cli({"put", local("f"), "/f", "--chunk-size", "64KiB"}).exit_code, 0);
  auto files = chunk_files("cs1");
  ASSERT_EQ(files.size(), 3u);
  for (auto& path : files) dfs::test::flip_last_byte(path);  // every chunk on cs1
  // Reads rotate over the replicas by chunk index: one chunk is read from cs1 first.
  auto g = cli({"get", "/f", local("f.back")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(read_all(local("f")), read_all(local("f.back")));
  // The corrupt replica is set aside, and repair copies the chunk back from a good replica
  // (cs1 is the only chunkserver without it).
  EXPECT_TRUE(wait_until(
      [&] {
        std::error_code ec;
        return fs::exists(c.dir() + "/cs1/corrupt", ec) &&
               !fs::is_empty(c.dir() + "/cs1/corrupt", ec);
      },
      10s));
  EXPECT_TRUE(wait_until(
      [&] {
        return c.admin(master_index, {"under-replicated"}).out.find("0 chunks under") !=
                   std::string::npos &&
               chunk_files("cs1").size() == 3u;
      },
      30s))
      << c.admin(master_index, {"under-replicated"}).out;
  auto again = cli({"get", "/f", local("f.again")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_all(local("f")), read_all(local("f.again")));
}

// A replica with other bytes under a valid header (left behind by an older write, say) passes
// its chunkserver's block checksums; the client checks the bytes against the master's checksum
// of the chunk, as they arrive, and reads the next replica.
TEST_F(Storage, AReplicaWithOtherBytesFailsTheMastersChecksumAndTheNextIsRead) {
  write_random(local("f"), 65536, 11);
  ASSERT_EQ(cli({"put", local("f"), "/f", "--chunk-size", "64KiB"}).exit_code, 0);
  for (int i : {1, 2}) {  // two of the three replicas
    auto cs = "cs" + std::to_string(i);
    ASSERT_EQ(chunk_files(cs).size(), 1u);
    c.kill9(cs);
    dfs::chunk_files files(c.dir() + "/" + cs);
    std::vector<std::string> warnings;
    ASSERT_TRUE(files.open(warnings).ok());
    auto stored = files.list();
    ASSERT_EQ(stored.size(), 1u);
    auto other = std::string(stored[0].length_bytes, 'x');
    ASSERT_TRUE(files.write(stored[0].handle, stored[0].chunk_version, other).ok());
    c.start(cs, "chunkserver", i);
  }
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  // Each get starts at a random replica: ten of them all starting at the good one would take
  // odds of 3^-10. Both ways of reading: from the chunk files on this host (local reads) and
  // over the data ports.
  for (auto local_reads : {"true", "false"}) {
    for (int k = 0; k < 10; ++k) {
      auto g = cli({"--set", std::string("client.local_reads=") + local_reads, "get", "/f",
                    local("f.back")});
      ASSERT_EQ(g.exit_code, 0) << g.err;
      ASSERT_EQ(fnv1a(read_all(local("f"))), fnv1a(read_all(local("f.back"))))
          << "get " << k << ", local reads " << local_reads;
    }
  }
}

TEST_F(Storage, AcknowledgedFilesSurviveMasterRestart) {
  std::vector<std::pair<std::string, size_t>> files = {
      {"m0", 0}, {"m1", 1}, {"m2", 70000}, {"m3", 3u << 20}};
  ASSERT_EQ(cli({"mkdir", "/keep"}).exit_code, 0);
  for (auto& [n, size] : files) {
    write_random(local(n), size, 11);
    ASSERT_EQ(cli({"put", local(n), "/keep/" + n, "--chunk-size", "1MiB"}).exit_code, 0);
  }
  c.kill9("master");
  c.start("master", "master", master_index);
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  for (auto& [n, size] : files) {
    auto g = cli({"get", "/keep/" + n, local(n + ".back")});
    ASSERT_EQ(g.exit_code, 0) << g.err;
    EXPECT_EQ(read_all(local(n)), read_all(local(n + ".back"))) << n;
  }
}

// mv, ls -R and du through the CLI: a file and a directory tree move (into an existing
// directory too), keep their bytes and versions, refuse to overwrite or move into themselves,
// and stay moved after the master is killed and restarted (the rename is logged).
TEST_F(Storage, MvLsRecursiveAndDu) {
  for (auto d : {"/src", "/src/sub", "/dst"}) ASSERT_EQ(cli({"mkdir", d}).exit_code, 0);
  write_random(local("a"), 100000, 3);
  write_random(local("b"), 5000, 4);
  ASSERT_EQ(cli({"put", local("a"), "/src/a", "--chunk-size", "64KiB"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("b"), "/src/a"}).exit_code, 0);  // /src/a version 2
  ASSERT_EQ(cli({"put", local("b"), "/src/sub/b"}).exit_code, 0);
  auto du = cli({"du", "/src"});
  ASSERT_EQ(du.exit_code, 0) << du.err;
  EXPECT_NE(du.out.find("5000\t/src/sub\n"), std::string::npos) << du.out;
  EXPECT_NE(du.out.find("10000\t/src\n"), std::string::npos) << du.out;
  EXPECT_EQ(cli({"du", "-s", "/"}).out, "10000\t/\n");
  EXPECT_EQ(cli({"du", "-s", "/src/sub"}).out, "5000\t/src/sub\n");
  EXPECT_EQ(cli({"ls", "/src/sub/"}).out, "b\n") << "a trailing slash names the directory";
  auto tree = cli({"ls", "-R", "/"});
  ASSERT_EQ(tree.exit_code, 0) << tree.err;
  EXPECT_NE(tree.out.find("/src/sub:\nb\n"), std::string::npos) << tree.out;
  // A file, then a whole directory into an existing one.
  auto mv = cli({"mv", "/src/a", "/src/renamed"});
  ASSERT_EQ(mv.exit_code, 0) << mv.err;
  ASSERT_EQ(cli({"mv", "/src", "/dst"}).exit_code, 0);
  auto clash = cli({"mv", "/dst/src/renamed", "/dst/src/sub/b"});
  EXPECT_NE(clash.exit_code, 0);
  EXPECT_NE(clash.err.find("already exists"), std::string::npos) << clash.err;
  auto itself = cli({"mv", "/dst", "/dst/src/sub"});
  EXPECT_NE(itself.exit_code, 0);
  EXPECT_NE(itself.err.find("into itself"), std::string::npos) << itself.err;
  c.kill9("master");
  c.start("master", "master", master_index);
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  EXPECT_NE(cli({"stat", "/src"}).exit_code, 0) << "/src is still there";
  auto g = cli({"get", "/dst/src/renamed", local("r.back"), "--version", "1"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(fnv1a(read_all(local("a"))), fnv1a(read_all(local("r.back"))));
  auto g2 = cli({"get", "/dst/src/sub/b", local("b.back")});
  ASSERT_EQ(g2.exit_code, 0) << g2.err;
  EXPECT_EQ(read_all(local("b")), read_all(local("b.back")));
}

// put -r and get -r: a tree with an empty file, nested directories and a symbolic link (skipped)
// goes up and comes back byte-exact; into an existing directory it lands under its own name
// (cp -r); a file that cannot be written locally fails alone, named, with exit code 1.
TEST_F(Storage, RecursivePutAndGet) {
  auto tree = local("tree");
  fs::create_directories(tree + "/sub/deeper");
  write_random(tree + "/a", 200000, 1);
  write_random(tree + "/b", 0, 2);
  write_random(tree + "/sub/c", 70000, 3);
  write_random(tree + "/sub/deeper/d", 1000, 4);
  fs::create_symlink(tree + "/a", tree + "/link");
  auto up = cli({"put", "-r", tree, "/up", "--jobs", "3", "--chunk-size", "64KiB"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_NE(up.out.find("4 files"), std::string::npos) << up.out;
  EXPECT_NE(up.err.find("skipped"), std::string::npos) << up.err;
  auto down = cli({"get", "-r", "/up", local("out")});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  for (auto f : {"/a", "/b", "/sub/c", "/sub/deeper/d"})
    EXPECT_EQ(read_all(tree + f), read_all(local("out") + f)) << f;
  EXPECT_FALSE(fs::exists(local("out") + "/link"));
  // Into an existing directory: /up/tree.
  ASSERT_EQ(cli({"put", "-r", tree, "/up"}).exit_code, 0);
  EXPECT_EQ(cli({"stat", "/up/tree/sub/deeper/d"}).exit_code, 0);
  // A local name taken by a file: that part fails, the rest arrives.
  fs::create_directories(local("out2/up"));
  write_random(local("out2/up/sub"), 10, 5);
  auto partial = cli({"get", "-r", "/up", local("out2")});
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.err.find("failed: /up/sub"), std::string::npos) << partial.err;
  EXPECT_EQ(read_all(tree + "/a"), read_all(local("out2/up/a")));
}

// put and get into directories, as cp copies: a trailing slash or an existing directory takes
// the file under its own name (a chunked file too, refused by the master's plan first); a
// missing directory, "//" or a directory at the file's name are each one clear error. mkdir -p
// makes the missing parents, takes an existing directory as done and refuses a file.
TEST_F(Storage, PutAndGetIntoDirectoriesAndMkdirParents) {
  ASSERT_EQ(cli({"mkdir", "/docs"}).exit_code, 0);
  write_random(local("small.txt"), 300, 21);
  write_random(local("big.bin"), 300000, 22);
  auto slash = cli({"put", local("small.txt"), "/docs/"});
  ASSERT_EQ(slash.exit_code, 0) << slash.err;
  EXPECT_EQ(slash.out.rfind("/docs/small.txt: version 1", 0), 0u) << slash.out;
  auto dir = cli({"put", local("small.txt"), "/docs"});
  ASSERT_EQ(dir.exit_code, 0) << dir.err;
  EXPECT_EQ(dir.out.rfind("/docs/small.txt: version 2", 0), 0u) << dir.out;
  auto chunked = cli({"put", local("big.bin"), "/docs", "--chunk-size", "64KiB"});
  ASSERT_EQ(chunked.exit_code, 0) << chunked.err;
  EXPECT_EQ(chunked.out.rfind("/docs/big.bin: version 1", 0), 0u) << chunked.out;
  auto locked = cli({"put", local("small.txt"), "/docs", "--locked"});
  ASSERT_EQ(locked.exit_code, 0) << locked.err;
  EXPECT_EQ(locked.out.rfind("/docs/small.txt: version 3", 0), 0u) << locked.out;
  auto root = cli({"put", local("small.txt"), "/"});
  ASSERT_EQ(root.exit_code, 0) << root.err;
  // cat of several files: their bytes one after the other, as cat does.
  auto both = cli({"cat", "/small.txt", "/docs/big.bin"});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(both.out, read_all(local("small.txt")) + read_all(local("big.bin")));
  EXPECT_EQ(cli({"cat", "/small.txt", "/docs/big.bin", "--version", "1"}).exit_code, 1);
  EXPECT_EQ(cli({"ls", "/"}).out, "docs/\nsmall.txt\n");
  EXPECT_EQ(cli({"ls", "/docs"}).out, "big.bin\nsmall.txt\n") << "no file named /docs/docs";
  for (auto bad : {"/missing/", "//", "/docs//"}) {
    auto r = cli({"put", local("small.txt"), bad});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  ASSERT_EQ(cli({"mkdir", "/docs/small.txt.d"}).exit_code, 0);
  write_random(local("small.txt.d"), 10, 23);
  auto clash = cli({"put", local("small.txt.d"), "/docs"});
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_NE(clash.err.find("/docs/small.txt.d is a directory"), std::string::npos) << clash.err;

  fs::create_directories(local("down"));
  auto g = cli({"get", "/docs/big.bin", local("down")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(read_all(local("big.bin")), read_all(local("down/big.bin")));
  ASSERT_EQ(cli({"get", "/docs/small.txt", local("down") + "/"}).exit_code, 0);
  EXPECT_EQ(read_all(local("small.txt")), read_all(local("down/small.txt")));
  fs::create_directories(local("down/big.bin2"));
  auto into_dir = cli({"get", "/docs/big.bin", local("down/big.bin2")});
  ASSERT_EQ(into_dir.exit_code, 0) << into_dir.err;
  EXPECT_TRUE(fs::is_regular_file(local("down/big.bin2/big.bin")));

  ASSERT_EQ(cli({"mkdir", "-p", "/p/q/r"}).exit_code, 0);
  EXPECT_EQ(cli({"ls", "/p/q"}).out, "r/\n");
  auto again = cli({"mkdir", "-p", "/p/q/r"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(cli({"mkdir", "-p", "/"}).exit_code, 0);
  auto plain = cli({"mkdir", "/p/q/r"});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("already exists"), std::string::npos) << plain.err;
  auto onto_file = cli({"mkdir", "-p", "/docs/small.txt"});
  EXPECT_EQ(onto_file.exit_code, 1);
  EXPECT_NE(onto_file.err.find("/docs/small.txt exists and is not a directory"), std::string::npos)
      << onto_file.err;
  auto under_file = cli({"mkdir", "-p", "/docs/small.txt/x/y"});
  EXPECT_EQ(under_file.exit_code, 1);
  EXPECT_NE(under_file.err.find("is a file"), std::string::npos) << under_file.err;
  EXPECT_NE(cli({"stat", "/docs/small.txt/x"}).exit_code, 0) << "nothing half-made";
  auto flag = cli({"mkdir", "-x", "/q"});
  EXPECT_EQ(flag.exit_code, 1);
  EXPECT_NE(flag.err.find("unknown option '-x'"), std::string::npos) << flag.err;
}

// rm -r: every file of a tree to the trash (undelete brings one back once mkdir -p has made its
// directory again), then the directories; rm without -r still refuses a non-empty directory;
// rm -r of / and of a missing path are one clear error each and remove nothing.
TEST_F(Storage, RecursiveRmSendsATreesFilesToTheTrash) {
  ASSERT_EQ(cli({"mkdir", "-p", "/t/sub/deeper"}).exit_code, 0);
  ASSERT_EQ(cli({"mkdir", "/t/empty"}).exit_code, 0);
  ASSERT_EQ(cli({"mkdir", "/keep"}).exit_code, 0);
  write_random(local("f1"), 5000, 31);
  write_random(local("f2"), 200000, 32);
  ASSERT_EQ(cli({"put", local("f1"), "/t/a"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("f2"), "/t/sub/b", "--chunk-size", "64KiB"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("f1"), "/t/sub/deeper/c"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("f1"), "/keep/k"}).exit_code, 0);

  auto plain = cli({"rm", "/t"});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("not empty"), std::string::npos) << plain.err;
  for (auto bad : {"/", "/missing"}) {
    auto r = cli({"rm", "-r", bad});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(cli({"ls", "/t"}).out, "a\nempty/\nsub/\n") << "nothing removed by the refusals";

  auto rm = cli({"rm", "-r", "/t/"});
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_NE(cli({"stat", "/t"}).exit_code, 0) << "the tree is gone";
  EXPECT_EQ(cli({"ls", "/"}).out, "keep/\n");
  auto trash = cli({"trash"});
  for (auto f : {"/t/a", "/t/sub/b", "/t/sub/deeper/c"})
    EXPECT_NE(trash.out.find(f), std::string::npos) << f << " in " << trash.out;
  EXPECT_EQ(trash.out.find("/keep/k"), std::string::npos) << trash.out;

  ASSERT_EQ(cli({"mkdir", "-p", "/t/sub"}).exit_code, 0);
  auto back = cli({"undelete", "/t/sub/b"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  auto g = cli({"get", "/t/sub/b", local("b.back")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(read_all(local("f2")), read_all(local("b.back")));
  ASSERT_EQ(cli({"rm", "-r", "/keep/k"}).exit_code, 0) << "a file alone, as rm";
  EXPECT_EQ(cli({"ls", "/keep"}).out, "");
}

// The shell reads lines as sh splits them: single and double quotes, backslashes, comments; a
// line with an unterminated quote is refused whole and runs nothing (the rm below must not
// remove "/a b"), and the next line still runs.
TEST_F(Storage, ShellQuotesCommentsAndUnterminatedLines) {
  write_random(local("my notes.txt"), 700, 41);
  std::ofstream script(local("quoted"));
  script << "# a comment, then a blank line\n\n"
         << "put '" << local("my notes.txt") << "' \"/a b\"\n"
         << "rm \"/a b\n"
         << "put " << local("my\\ notes.txt") << " /c\\ d\n"
         << "ls /\n";
  script.close();
  auto r = dfs::test::run(client_argv({}), c.dir(), local("quoted"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "error: unterminated \" quote: nothing run\n");
  EXPECT_NE(r.out.find("a b\nc d\n"), std::string::npos) << r.out;
  auto g = cli({"get", "/a b", local("ab.back")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(read_all(local("my notes.txt")), read_all(local("ab.back")));
}

// Tab completion on a terminal (the shell under a pty): a remote name with spaces completes in
// the quoting the user started it in (a backslash, "..." or '...'), a file closes an open
// quote, and the completed line runs on that file.
TEST_F(Storage, TabCompletesNamesWithSpacesInTheQuoteTheyWereTyped) {
  std::ofstream(local("content")) << "CONTENT-42\n";
  ASSERT_EQ(cli({"mkdir", "/my dir"}).exit_code, 0);
  ASSERT_EQ(cli({"mkdir", "/mydocs"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("content"), "/my dir/hello world.txt"}).exit_code, 0);
  dfs::test::pty_session sh(client_argv({}), c.dir());  // no command: the shell
  ASSERT_TRUE(sh.wait_for_text("dfs> ", 20s)) << sh.output();
  struct typed {
    std::string first, completed_dir, then, completed_file;
  };
  for (const auto& t : std::vector<typed>{
           {"cat /my\\ d", "ir/", "hel", "lo\\ world.txt "},
           {"cat \"/my d", "ir/", "hel", "lo world.txt\" "},
           {"cat '/my d", "ir/", "hel", "lo world.txt' "},
       }) {
    auto mark = sh.output().size();
    sh.type(t.first + "\t");
    ASSERT_TRUE(sh.wait_for_text(t.completed_dir, 10s, mark))
        << t.first << sh.output().substr(mark);
    mark = sh.output().size();
    sh.type(t.then + "\t");
    ASSERT_TRUE(sh.wait_for_text(t.completed_file, 10s, mark))
        << t.first << sh.output().substr(mark);
    mark = sh.output().size();
    sh.type("\n");
    EXPECT_TRUE(sh.wait_for_text("CONTENT-42", 10s, mark)) << t.first << sh.output().substr(mark);
    ASSERT_TRUE(sh.wait_for_text("dfs> ", 10s, mark)) << sh.output().substr(mark);
  }
  sh.type("exit\n");
}

// edit: $EDITOR changes the file -> a new version; leaves it alone -> nothing uploaded; another
// version committed while the editor runs -> refused, the edit kept in a named file; --force
// commits it anyway.
TEST_F(Storage, EditUploadsOnlyChangesAndRefusesAConcurrentVersion) {
  write_random(local("doc"), 3000, 9);
  ASSERT_EQ(cli({"put", local("doc"), "/doc"}).exit_code, 0);
  auto script = [&](const std::string& name, const std::string& body) {
    auto path = local(name);
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path;
  };
  auto append = script("append.sh", "printf 'more' >> \"$1\"");
  ::setenv("EDITOR", append.c_str(), 1);
  ::unsetenv("VISUAL");
  auto e = cli({"edit", "/doc"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("version 2"), std::string::npos) << e.out;
  ASSERT_EQ(cli({"get", "/doc", local("doc.v2")}).exit_code, 0);
  EXPECT_EQ(read_all(local("doc.v2")), read_all(local("doc")) + "more");
  ::setenv("EDITOR", "true", 1);
  auto same = cli({"edit", "/doc"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.out.find("unchanged"), std::string::npos) << same.out;
  // Someone commits version 3 while the editor runs.
  std::string other_put;
  for (auto& a : client_argv({"put", local("doc"), "/doc"})) other_put += "'" + a + "' ";
  auto racing = script("racing.sh", other_put + "> /dev/null\nprintf 'mine' >> \"$1\"");
  ::setenv("EDITOR", racing.c_str(), 1);
  // The kept edit goes to $TMPDIR: this test's directory, not the machine's /tmp.
  auto refused = [&] {
    dfs::test::scoped_env tmpdir("TMPDIR", c.dir().c_str());
    return cli({"edit", "/doc"});
  }();
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("changed meanwhile"), std::string::npos) << refused.err;
  auto kept_at = refused.err.find("kept in ");
  ASSERT_NE(kept_at, std::string::npos) << refused.err;
  auto kept = refused.err.substr(kept_at + 8);
  kept = kept.substr(0, kept.find('\n'));
  EXPECT_EQ(kept.rfind(local(""), 0), 0u) << kept;
  EXPECT_EQ(read_all(kept), read_all(local("doc")) + "more" + "mine") << "the edit is kept whole";
  EXPECT_NE(cli({"stat", "/doc"}).out.find("version 3 of 3"), std::string::npos);
  ::setenv("EDITOR", append.c_str(), 1);
  auto forced = cli({"edit", "/doc", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.out.find("version 4"), std::string::npos) << forced.out;
  ::unsetenv("EDITOR");
}

// Bad input to mv, put -r and edit: one clear error each, and nothing half-done — mv of / or of a
// missing path changes nothing; put -r of a tree with link loops, an unreadable file and an
// unreadable directory uploads the rest, names each failure and exits 1, and creates nothing for
// what failed; an editor that exits non-zero uploads nothing.
TEST_F(Storage, BadMvTreeAndEditInputFailsCleanly) {
  ASSERT_EQ(cli({"mkdir", "/d"}).exit_code, 0);
  write_random(local("f"), 2000, 21);
  ASSERT_EQ(cli({"put", local("f"), "/d/f"}).exit_code, 0);
  auto one_error = [](const run_result& r, const std::string& what) {
    EXPECT_NE(r.exit_code, 0) << what;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  };
  one_error(cli({"mv", "/", "/x"}), "cannot move /");
  one_error(cli({"mv", "/d", "/"}), "/d and /d are the same file");  // into / is itself
  one_error(cli({"mv", "/missing", "/x"}), "no such");
  one_error(cli({"mv", "/d/f", "/nodir/f"}), "no such");
  one_error(cli({"mv", "/d/f", "/archive/"}), "no such file or directory: /archive");
  one_error(cli({"mv", "/d"}), "error: ");
  EXPECT_EQ(cli({"ls", "-R", "/"}).out, "/:\nd/\n\n/d:\nf\n") << "a refused mv changed nothing";
  one_error(cli({"du", "/missing"}), "no such");
  one_error(cli({"du", "-q", "/d"}), "error: ");
  one_error(cli({"ls", "-R", "/missing"}), "no such");
  one_error(cli({"get", "-r", "/d/f", local("out")}), "is a file");
  one_error(cli({"get", "-r", "/missing", local("out")}), "no such");
  one_error(cli({"put", "-r", local("nowhere"), "/x"}), "not a local directory");
  EXPECT_FALSE(fs::exists(local("out"))) << "a refused get -r created a local directory";

  // As root, permission bits only bind once the client has no DAC override capabilities.
  auto without_dac = [&](const std::vector<std::string>& args) {
    auto argv = client_argv(args);
    if (::geteuid() == 0)
      argv.insert(argv.begin(),
                  {"/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"});
    return dfs::test::run(argv, c.dir());
  };
  auto tree = local("tree");
  fs::create_directories(tree + "/sub/locked");
  write_random(tree + "/a", 5000, 22);
  write_random(tree + "/sub/b", 3000, 23);
  write_random(tree + "/secret", 100, 24);
  write_random(tree + "/sub/locked/c", 100, 25);
  fs::create_directory_symlink(".", tree + "/sub/loop");
  fs::create_directory_symlink("..", tree + "/sub/up");
  fs::permissions(tree + "/secret", fs::perms::none);
  fs::permissions(tree + "/sub/locked", fs::perms::none);
  auto up = without_dac({"put", "-r", tree, "/t"});
  fs::permissions(tree + "/sub/locked", fs::perms::owner_all);
  fs::permissions(tree + "/secret", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(up.exit_code, 1) << up.err;
  EXPECT_NE(up.err.find(tree + "/secret"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find(tree + "/sub/locked"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("skipped"), std::string::npos) << up.err;
  EXPECT_EQ(cli({"cat", "/t/a"}).out, read_all(tree + "/a"));
  EXPECT_EQ(cli({"cat", "/t/sub/b"}).out, read_all(tree + "/sub/b"));
  EXPECT_NE(cli({"stat", "/t/secret"}).exit_code, 0) << "an unreadable file left an entry";
  EXPECT_NE(cli({"stat", "/t/sub/loop"}).exit_code, 0) << "a link was followed";
  EXPECT_EQ(cli({"ls", "/t/sub/locked"}).out, "") << "an unreadable directory got contents";
  // An unreadable top directory: refused before anything is created.
  fs::permissions(tree + "/sub", fs::perms::none);
  auto top = without_dac({"put", "-r", tree + "/sub", "/t2"});
  fs::permissions(tree + "/sub", fs::perms::owner_all);
  one_error(top, "Permission denied");
  EXPECT_NE(cli({"stat", "/t2"}).exit_code, 0) << "put -r of an unreadable directory created it";

  ::setenv("EDITOR", "false", 1);
  ::unsetenv("VISUAL");
  auto e = cli({"edit", "/d/f"});
  ::unsetenv("EDITOR");
  one_error(e, "the editor exited with status 1");
  EXPECT_NE(cli({"stat", "/d/f"}).out.find("version 1 of 1"), std::string::npos)
      << "a failed edit uploaded a version";

  // A download that fails (every chunkserver gone): an error, and no temporary copy left in
  // $TMPDIR (it holds nothing of the user's yet).
  for (auto cs : {"cs1", "cs2", "cs3"}) c.kill9(cs);
  auto tmp = local("edit-tmp");
  fs::create_directory(tmp);
  auto lost = [&] {
    dfs::test::scoped_env tmpdir("TMPDIR", tmp.c_str()), editor("EDITOR", "true");
    return cli({"edit", "/d/f"});
  }();
  EXPECT_NE(lost.exit_code, 0) << lost.out;
  EXPECT_NE(lost.err.find("error"), std::string::npos) << lost.err;
  EXPECT_TRUE(fs::is_empty(tmp)) << "a failed download left its temporary copy";
}

TEST_F(Storage, MasterKilledDuringPutLeavesOldOrNewVersion) {
  write_random(local("old"), 100000, 12);
  write_random(local("new"), 64u << 20, 13);
  ASSERT_EQ(cli({"put", local("old"), "/p", "--chunk-size", "64KiB"}).exit_code, 0);
  auto before = chunk_files("cs1").size();
  process put(client_argv({"put", local("new"), "/p", "--chunk-size", "1MiB"}), local("put.log"));
  // Kill the master once the upload is under way (chunks arrive on the chunkservers).
  ASSERT_TRUE(
      wait_until([&] { return chunk_files("cs1").size() > before + 2 || !put.running(); }, 30s));
  c.kill9("master");
  ASSERT_TRUE(wait_until([&] { return !put.running(); }, 60s));
  c.start("master", "master", master_index);
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  auto g = cli({"get", "/p", local("p.back")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  auto got = read_all(local("p.back"));
  EXPECT_TRUE(got == read_all(local("old")) || got == read_all(local("new")))
      << "partial version of " << got.size() << " bytes";
}

// Sends raw bytes to a data port and returns whether the server closed the connection.
bool send_garbage(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return false;
  }
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[64];
  auto n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  return n <= 0;
}

TEST_F(Storage, BadInputGetsClearErrorsAndNoNodeCrashes) {
  write_random(local("ok"), 1000, 14);
  ASSERT_EQ(cli({"mkdir", "/dir"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("ok"), "/dir/file"}).exit_code, 0);
  std::vector<std::string> bad_paths = {"relative",
                                        "/a/../b",
                                        "/a//b",
                                        "/a/./b",
                                        "/trailing/",
                                        "",
                                        "/" + std::string(300, 'x'),
                                        "/" + std::string(5000, 'y'),
                                        "/dir/file/child",
                                        "/missing/child",
                                        "..",
                                        "/.",
                                        "//",
                                        "/dir/file/",
                                        "no/leading/slash"};
  int cases = 0;
  for (auto& p : bad_paths) {
    for (auto cmd : std::vector<std::vector<std::string>>{{"put", local("ok"), p},
                                                          {"get", p, local("x")},
                                                          {"mkdir", p},
                                                          {"stat", p},
                                                          {"rm", p}}) {
      if (cmd[0] == "mkdir" && p == "/dir/file/child") continue;
      auto r = cli(cmd);
      ++cases;
      EXPECT_NE(r.exit_code, 0) << cmd[0] << " '" << p << "'";
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    }
  }
  std::vector<std::vector<std::string>> others = {
      {"put", local("does-not-exist"), "/x"},
      {"put", c.dir(), "/x"},
      {"put", local("ok"), "/x", "--chunk-size", "128MiB"},
      {"put", local("ok"), "/x", "--chunk-size", "100"},
      {"put", local("ok"), "/x", "--chunk-size", "lots"},
      {"put", local("ok")},
      {"get", "/dir/file", "/nonexistent-dir/x"},
      {"get", "/dir/file", local("y"), "--version", "9"},
      {"get", "/dir/file", local("y"), "--version", "abc"},
      {"cat", "/dir"},
      {"versions", "/dir/file", "abc"},
      {"versions", "/dir/file", "0"},
      {"get", "/dir/file", local("y"), "--version", "0"},
      {"cat", "/dir/file", "--version", "-1"},
      {"mv", "/dir/file", "/dir"},  // onto itself
      {"mkdir", "/dir"},
      {"store", "nohostport"},
      {"ls", "/nope"},
      {"frobnicate"},
      {"put", local("ok"), "/x", "--bogus", "1"}};
  for (auto& cmd : others) {
    auto r = cli(cmd);
    ++cases;
    EXPECT_NE(r.exit_code, 0) << cmd[0];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // A file that ends before its size (sysfs says 4096 bytes for "0-1\n"), as one that shrinks
  // while a put reads it: said so, where errno said "Success", and nothing stored.
  auto short_file = cli({"put", "/sys/devices/system/cpu/online", "/x"});
  ++cases;
  EXPECT_NE(short_file.exit_code, 0);
  EXPECT_NE(short_file.err.find("ended early, at byte "), std::string::npos) << short_file.err;
  EXPECT_NE(cli({"stat", "/x"}).exit_code, 0);
  // master.address naming a chunkserver, or the master's HTTP port (TLS too): one line at
  // once that says so, not retries until client.timeout_ms.
  for (const auto& addr : {c.addr_of(1), "127.0.0.1:" + std::to_string(c.port_of(0) + 3)}) {
    auto r = dfs::test::run(c.client_argv({"master.address=" + addr}, {"ls", "/"}), c.dir());
    ++cases;
    EXPECT_NE(r.exit_code, 0) << addr;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(addr + ": "), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("attempts within"), std::string::npos) << r.err;
  }
  // Garbage on the data port: random bytes, a header with a huge length, a wrong magic.
  auto data_port = static_cast<uint16_t>(c.port_of(1) + 1);
  std::mt19937 rng(15);
  for (int i = 0; i < 10; ++i, ++cases) {
    std::string junk(100 + i * 37, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng());
    EXPECT_TRUE(send_garbage(data_port, junk));
  }
  // Magic "DSFD" little-endian, version 1, push_data, length 0x40000000 (1 GiB).
  std::string hdr(
      "\x44\x53\x46\x44\x01\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40"
      "\x00\x00\x00\x00\x00\x00\x00\x00",
      24);
  EXPECT_TRUE(send_garbage(data_port, hdr));
  ++cases;
  EXPECT_GE(cases, 100);
  for (auto name : {"master", "cs1", "cs2", "cs3"}) EXPECT_TRUE(c.proc(name).running()) << name;
  EXPECT_EQ(cli({"cat", "/dir/file"}).out, read_all(local("ok")));
}

}  // namespace

// Mutations the request port applies on its own thread (actors/master/master_reads.hpp) leave
// the rest of their effects to the master actor: a checkpoint that comes due after one of them
// is written, and later ones follow. Were that hand-off lost, the core would wait for that
// checkpoint for good, and no newer checkpoint file would ever appear.
TEST_F(Storage, CheckpointsKeepComingUnderMutationsTheRequestPortApplies) {
  c.kill9("master");
  c.start("master", "master", master_index, {"master.checkpoint_interval_ms=100"});
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  auto newest_checkpoint = [&] {
    std::string newest;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(c.dir() + "/master/master", ec)) {
      auto n = e.path().filename().string();
      if (n.rfind("checkpoint-", 0) == 0) newest = std::max(newest, n);
    }
    return newest;
  };
  std::set<std::string> seen;
  int round = 0;
  size_t made = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        // Two shells doing 300 mkdirs each at once: each one a mutation through the request
        // port, some of them between a checkpoint the port's thread found due and the actor
        // writing it.
        std::vector<std::thread> shells;
        for (int k = 0; k < 2; ++k) {
          auto script = local("mkdirs-" + std::to_string(round) + "-" + std::to_string(k));
          std::string lines;
          for (int i = 0; i < 300; ++i)
            lines += "mkdir /r" + std::to_string(round) + "-" + std::to_string(k) + "-" +
                     std::to_string(i) + "\n";
          std::ofstream(script) << lines;
          shells.emplace_back([&, script] {
            auto r = dfs::test::run(client_argv({"shell"}), c.dir(), script);
            EXPECT_EQ(r.exit_code, 0) << r.err;
          });
        }
        for (auto& t : shells) t.join();
        made += 600;
        ++round;
        seen.insert(newest_checkpoint());
        return seen.size() >= 4;
      },
      60s, 0ms))
      << "checkpoints seen: " << seen.size() << " after " << round << " rounds";
  // Every acknowledged mkdir is in the checkpoints and segments the master keeps: killed right
  // away, it finds them all again.
  c.kill9("master");
  c.start("master", "master", master_index, {"master.checkpoint_interval_ms=100"});
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  auto ls = cli({"ls", "/"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  size_t found = 0;
  std::istringstream lines(ls.out);
  const std::regex made_here("r[0-9]+-[01]-[0-9]+/");
  for (std::string line; std::getline(lines, line);) found += std::regex_match(line, made_here);
  EXPECT_EQ(found, made) << ls.out.substr(0, 2000);
}
