// Directory leases with real processes (core/master/dir_leases.hpp, client/dir_lease_cache.hpp):
// a shell's `stat` takes a lease on the file's directory and answers the next stats there
// itself (shown with the master stopped), yet never misses a change acknowledged to another
// client (the master holds that answer until the lease has ended) or one it made itself (it
// forgets its leases around its own changes).
// Checked by mutation: when a retry got past the hold (the other client's attempt timed out
// and the request table answered it at once), the shell's stat after the other client's put
// printed "version 1 of 1"; with the client not forgetting its leases around its own put, the
// stat after it printed "version 1 of 1" too.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "common/dfs_cluster.hpp"
#include "common/shell_driver.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::read_all;
using dfs::test::wait_until;

namespace {

constexpr int master_index = 0;

struct DirLease : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    // A long lease, so that the stats below fall well inside it on a slow machine.
    c.set_common({"master.address=" + master_addr, "master.dir_lease_ms=3000",
                  "chunkserver.heartbeat_interval_ms=300"});
    ASSERT_TRUE(c.start_master_and_chunkservers(master_index));
    std::ofstream(local("one")) << "one";
    std::ofstream(local("two")) << "second";
  }

  std::vector<std::string> client_argv(const std::vector<std::string>& args,
                                       const std::string& timeout_ms = "10000") {
    return c.client_argv({"master.address=" + master_addr, "client.timeout_ms=" + timeout_ms},
                         args);
  }
  dfs::test::run_result cli(const std::vector<std::string>& args) {
    return dfs::test::run(client_argv(args), c.dir());
  }
  std::string local(const std::string& name) { return c.dir() + "/" + name; }
  // The last line the shell printed.
  std::string last_line() {
    auto out = read_all(local("shell.out"));
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  }
};

TEST_F(DirLease, AStatFromALeaseNeverMissesAnAcknowledgedChange) {
  // A shell whose requests give up after 5 s: a stat that wrongly asked the stopped master fails.
  dfs::test::shell_driver a(client_argv({}, "5000"), local("shell.out"), local("shell.err"));
  ASSERT_EQ(a.run("mkdir /d"), 0) << read_all(local("shell.err"));
  ASSERT_EQ(a.run("put " + local("one") + " /d/f"), 0) << read_all(local("shell.err"));
  ASSERT_EQ(a.run("put " + local("one") + " /d/g"), 0) << read_all(local("shell.err"));
  ASSERT_EQ(a.run("stat /d/f"), 0) << read_all(local("shell.err"));
  EXPECT_NE(last_line().find("/d/f: file, 3 bytes, version 1 of 1"), std::string::npos)
      << last_line();

  // The next stat in /d is answered from the lease: the master is stopped meanwhile.
  auto master = c.proc("master").pid();
  ASSERT_EQ(::kill(master, SIGSTOP), 0);
  int code = a.run("stat /d/g");
  ::kill(master, SIGCONT);
  ASSERT_EQ(code, 0) << read_all(local("shell.err"));
  EXPECT_NE(last_line().find("/d/g: file, 3 bytes, version 1 of 1"), std::string::npos)
      << last_line();
  // A name the lease does not list is asked of the master: one clear error.
  EXPECT_EQ(a.run("stat /d/none"), 1);
  EXPECT_NE(read_all(local("shell.err")).find("/d/none"), std::string::npos)
      << read_all(local("shell.err"));

  // Another client's new version: applied at once, acknowledged once the lease has ended...
  auto b = cli({"put", local("two"), "/d/f"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("version 2"), std::string::npos) << b.out;
  // ... so the shell's next stat cannot show the old one.
  ASSERT_EQ(a.run("stat /d/f"), 0) << read_all(local("shell.err"));
  EXPECT_NE(last_line().find("/d/f: file, 6 bytes, version 2 of 2"), std::string::npos)
      << last_line();

  // The shell's own change shows at once: its leases go around it.
  ASSERT_EQ(a.run("mkdir /e"), 0);
  ASSERT_EQ(a.run("put " + local("one") + " /e/f"), 0);
  ASSERT_EQ(a.run("stat /e/f"), 0);
  EXPECT_NE(last_line().find("version 1 of 1"), std::string::npos) << last_line();
  ASSERT_EQ(a.run("put " + local("two") + " /e/f"), 0) << read_all(local("shell.err"));
  ASSERT_EQ(a.run("stat /e/f"), 0);
  EXPECT_NE(last_line().find("/e/f: file, 6 bytes, version 2 of 2"), std::string::npos)
      << last_line();
  ASSERT_EQ(a.run("rm /e/f"), 0);
  EXPECT_EQ(a.run("stat /e/f"), 1) << "removed: not answered from the lease";
}

// `cat` of the newest version: a shell cached the layout it read by path for cache_ttl_ms
// (2 s), so it printed "one" after another client's put of "second" had been acknowledged.
// Layouts are now cached by version number, and which one is newest is asked of the master,
// or taken from a directory lease, which the master holds other clients' changes behind.
TEST_F(DirLease, ACatShowsTheNewestVersionAnotherClientCommitted) {
  dfs::test::shell_driver a(client_argv({}, "5000"), local("shell.out"), local("shell.err"));
  // What the shell printed since the last call (cat adds no newline).
  size_t seen = 0;
  auto printed = [&] {
    auto out = read_all(local("shell.out"));
    auto fresh = out.substr(std::min(seen, out.size()));
    seen = out.size();
    return fresh;
  };
  ASSERT_EQ(a.run("put " + local("one") + " /r"), 0) << read_all(local("shell.err"));
  printed();
  ASSERT_EQ(a.run("cat /r"), 0) << read_all(local("shell.err"));
  EXPECT_EQ(printed(), "one");
  auto b = cli({"put", local("two"), "/r"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_EQ(a.run("cat /r"), 0) << read_all(local("shell.err"));
  EXPECT_EQ(printed(), "second") << "the root has no lease: the newest is asked";

  // Under a lease the newest version and its layout are known here: no master needed.
  ASSERT_EQ(a.run("mkdir /d"), 0);
  ASSERT_EQ(a.run("put " + local("one") + " /d/f"), 0);
  ASSERT_EQ(a.run("stat /d/f"), 0);
  ASSERT_EQ(a.run("cat /d/f"), 0);
  printed();
  auto master = c.proc("master").pid();
  ASSERT_EQ(::kill(master, SIGSTOP), 0);
  int code = a.run("cat /d/f");
  ::kill(master, SIGCONT);
  ASSERT_EQ(code, 0) << read_all(local("shell.err"));
  EXPECT_EQ(printed(), "one");
  b = cli({"put", local("two"), "/d/f"});  // acknowledged once the lease has ended
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_EQ(a.run("cat /d/f"), 0) << read_all(local("shell.err"));
  EXPECT_EQ(printed(), "second");
}

}  // namespace
