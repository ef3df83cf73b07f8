// `cat --records` with real processes (issue 13): a file laid out as record append leaves it
// (frames, zero padding to each chunk's end, a torn fragment, a retried record landing again
// in the next chunk) is uploaded with `put` at the same chunk size, and `cat --records` prints
// every record's payload once, in order; plain `cat` still prints the bytes. Record append
// itself is another change; this checks the reader end to end over the real read path.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"
#include "core/records/record_frame.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::run_result;
using dfs::test::wait_until;
namespace records = dfs::records;

namespace {

constexpr int master_index = 0;
constexpr size_t chunk_size = 4096;

struct Records : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    c.set_common({"master.address=" + master_addr, "chunkserver.heartbeat_interval_ms=300"});
    ASSERT_TRUE(c.start_master_and_chunkservers(master_index));
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  run_result cli(const std::vector<std::string>& args) {
    return dfs::test::run(c.client_argv({"master.address=" + master_addr}, args), c.dir());
  }

  std::string local(const std::string& name) const { return c.dir() + "/" + name; }
};

// A chunk-aligned file of records as the primaries would leave it.
struct appended_file {
  std::string bytes;
  std::string payloads;  // what cat --records must print

  void add(const std::string& raw) {
    size_t room = chunk_size - bytes.size() % chunk_size;
    if (raw.size() > room) bytes.append(room, '\0');  // padding: a record never straddles
    bytes += raw;
  }
  void append(records::record_id id, const std::string& payload, bool first = true) {
    add(records::frame(id, payload));
    if (first) payloads += payload;
  }
};

TEST_F(Records, CatRecordsPrintsEveryRecordOnce) {
  appended_file f;
  auto payload = [](uint64_t s) {
    return "record " + std::to_string(s) + " " + std::string(s * 7, 'a' + s % 26) + "\n";
  };
  for (uint64_t s = 1; s <= 40; ++s) f.append({7, s}, payload(s));
  auto torn = records::frame({8, 1}, std::string(300, 't'));
  f.add(torn.substr(0, 150));  // a failed append's fragment
  f.append({7, 41}, "after the fragment\n");
  f.append({7, 12}, payload(12), false);  // a retry that landed again, chunks later
  f.append({9, 1}, std::string(records::max_payload(chunk_size), 'M'));
  f.bytes.append(100, '\0');
  ASSERT_GT(f.bytes.size(), 2 * chunk_size);  // three chunks, two of them padded
  std::ofstream(local("records"), std::ios::binary) << f.bytes;

  auto put = cli({"put", local("records"), "/log", "--chunk-size", "4KiB"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  auto cat = cli({"cat", "/log", "--records"});
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, f.payloads);
  EXPECT_EQ(cli({"cat", "/log", "--records", "--version", "1"}).out, f.payloads);
  EXPECT_EQ(cli({"cat", "/log"}).out, f.bytes);  // plain cat: the bytes as they are

  // A file without records prints nothing; a missing one fails with one line.
  dfs::test::write_random(local("noise"), 3 * chunk_size, 5);
  ASSERT_EQ(cli({"put", local("noise"), "/noise", "--chunk-size", "4KiB"}).exit_code, 0);
  auto none = cli({"cat", "/noise", "--records"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "");
  auto missing = cli({"cat", "/missing", "--records"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("error:"), std::string::npos) << missing.err;
}

}  // namespace
