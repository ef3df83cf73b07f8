// cp and cp -r against real processes, through the client CLI: a copy shares the source's
// chunks (the master's `chunks` console names the same handles), reads back byte-exact, keeps
// its chunks when the source's other versions are purged and deleted on the chunkservers, is
// not changed by a write to the source (copy-on-write), and survives a master SIGKILL (logged).
// Bad input gets one clear error and changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cluster/snapshot/shared_chunks_fixture.hpp"

using namespace std::chrono_literals;
using dfs::test::read_all;
using dfs::test::run_result;
using dfs::test::wait_until;
using dfs::test::write_random;

namespace {

constexpr int master_index = dfs::test::SharedChunks::master_index;

struct Copy : dfs::test::SharedChunks {
  std::vector<std::string> settings() const override {
    return {"master.unhealthy_after_ms=1500", "master.removed_after_ms=4000",
            "master.inline_max_bytes=4096"};
  }
  // Chunk files on every chunkserver's disk.
  size_t chunk_files() {
    size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(c.dir()))
      if (e.is_regular_file() && e.path().extension() == ".chunk") ++n;
    return n;
  }
};

TEST_F(Copy, FilesAndTreesShareChunksAndOutliveTheSourceAndAMasterRestart) {
  write_random(local("a1"), 200000, 1);
  write_random(local("a2"), 150000, 2);
  write_random(local("s"), 100, 3);
  for (auto d : {"/src", "/src/sub"}) ASSERT_EQ(cli({"mkdir", d}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("a1"), "/src/a", "--chunk-size", "64KiB"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("s"), "/src/sub/s"}).exit_code, 0);  // inline
  // A file: the same chunks under the new name, nothing pushed.
  auto one = cli({"cp", "/src/a", "/b"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "");
  auto slash = cli({"cp", "/src/sub/s", "/src/"});  // a trailing slash: into that directory
  ASSERT_EQ(slash.exit_code, 0) << slash.err;
  EXPECT_EQ(get("/src/s"), read_all(local("s")));
  ASSERT_EQ(cli({"rm", "/src/s"}).exit_code, 0);
  auto shared = handles("/b");
  EXPECT_EQ(shared.size(), 4u);
  EXPECT_EQ(shared, handles("/src/a"));
  EXPECT_EQ(get("/b"), read_all(local("a1")));
  // A tree: directories made, every file copied; into an existing directory by its name.
  ASSERT_EQ(cli({"mkdir", "/backup"}).exit_code, 0);
  auto tree = cli({"cp", "-r", "/src", "/backup"});
  ASSERT_EQ(tree.exit_code, 0) << tree.err;
  EXPECT_EQ(tree.out,
            "cp -r: /backup/src: 2 files, 2 directories (their chunks shared, no bytes copied)\n");
  EXPECT_EQ(cli({"ls", "-R", "/backup"}).out,
            "/backup:\nsrc/\n\n/backup/src:\na\nsub/\n\n/backup/src/sub:\ns\n");
  EXPECT_EQ(get("/backup/src/a"), read_all(local("a1")));
  EXPECT_EQ(get("/backup/src/sub/s"), read_all(local("s")));
  // A write to the source copies the shared chunk first: the copies keep the old bytes.
  std::ofstream(local("x")) << "XYZ";
  ASSERT_EQ(cli({"write", "/src/a", "0", local("x")}).exit_code, 0);
  EXPECT_EQ(get("/src/a").substr(0, 3), "XYZ");
  EXPECT_EQ(get("/b"), read_all(local("a1")));
  EXPECT_EQ(get("/backup/src/a"), read_all(local("a1")));
  // The source's own chunks go once it is purged; the copies' stay.
  ASSERT_EQ(cli({"put", local("a2"), "/src/a", "--chunk-size", "64KiB"}).exit_code, 0);
  auto before = chunk_files();
  ASSERT_EQ(cli({"rm", "-r", "/src"}).exit_code, 0);
  ASSERT_EQ(cli({"trash", "purge"}).exit_code, 0);
  // Version 2 (3 chunks of a2) and version 1's copied chunk 0, on 3 replicas each.
  ASSERT_TRUE(wait_until([&] { return chunk_files() <= before - 4 * 3; }, 20s))
      << before << " chunk files before, " << chunk_files() << " now";
  EXPECT_EQ(handles("/b"), shared);
  EXPECT_EQ(get("/b"), read_all(local("a1")));
  // Logged: a killed master comes back with the copies.
  c.kill9("master");
  c.start("master", "master", master_index);
  ASSERT_TRUE(wait_until([&] { return c.healthy_chunkservers(master_index) == 3; }, 20s));
  EXPECT_EQ(get("/b"), read_all(local("a1")));
  EXPECT_EQ(get("/backup/src/a"), read_all(local("a1")));
  EXPECT_EQ(get("/backup/src/sub/s"), read_all(local("s")));
}

TEST_F(Copy, BadInputGetsOneClearErrorAndChangesNothing) {
  write_random(local("f"), 5000, 4);
  ASSERT_EQ(cli({"mkdir", "/d"}).exit_code, 0);
  ASSERT_EQ(cli({"put", local("f"), "/d/f"}).exit_code, 0);
  auto before = cli({"ls", "-R", "-l", "/"}).out;
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const auto& b : std::vector<bad>{
           {{"cp", "/d", "/e"}, "error: cp: /d is a directory (cp -r copies a tree)\n"},
           {{"cp", "-r", "/d", "/d/sub"}, "error: cp -r: cannot copy /d into itself (/d/sub)\n"},
           {{"cp", "-r", "/", "/x"}, "error: cp -r: cannot copy / into itself (/x)\n"},
           {{"cp", "/nope", "/x"}, "error: no such file or directory: /nope\n"},
           {{"cp", "/d/f", "/missing/x"}, "error: no such file or directory: /missing\n"},
           {{"cp", "/d/f", "/missing/"}, "error: no such file or directory: /missing\n"},
           {{"cp", "/d/f", "/d/f"}, "error: /d/f and its copy are the same file\n"},
           {{"cp", "/d/f", "/d/f/x"}, "error: /d/f is a file, not a directory (in /d/f/x)\n"},
           {{"cp", "/d/f", "relative"}, "error: invalid path \"relative\": not absolute"},
           {{"cp", "/d/f"}, "error: usage: cp [-r] SRC DST\n"},
           {{"cp", "-x", "/d/f", "/y"}, "error: unknown option '-x'\n"},
       }) {
    auto r = cli(b.args);
    EXPECT_EQ(r.exit_code, 1) << b.args.back();
    EXPECT_NE(r.err.find(b.says), std::string::npos) << b.args.back() << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(cli({"ls", "-R", "-l", "/"}).out, before);
  EXPECT_EQ(c.admin(master_index, {"node"}).exit_code, 0);  // the master is up
}

}  // namespace
