// Writes at an offset and record appends with real processes (issue 13 items 2, 3 and 6):
// writes change the newest version in place and leave every replica byte-identical (`verify`
// compares the replicas' checksums); a write past the end grows the file with a hole that
// reads as zeros; concurrent appenders lose no acknowledged record; the primary SIGKILLed
// during appends only delays them (a new lease); a replica down during a write comes back
// stale and is never read. Bad input: one clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "common/dfs_cluster.hpp"
#include "common/test_files.hpp"

using namespace std::chrono_literals;
using dfs::test::dfs_cluster;
using dfs::test::process;
using dfs::test::run_result;
using dfs::test::wait_until;

namespace {

constexpr int master_index = 0;
constexpr uint64_t chunk = 65536;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

struct Mutations : ::testing::Test {
  dfs_cluster c;
  std::string master_addr;

  // The servers' lease.duration_ms (clients keep 3000: it sets how long they retry, 20 s).
  virtual std::string server_lease_ms() const { return "3000"; }
  // What every chunkserver is started with besides the common settings.
  virtual std::vector<std::string> chunkserver_extra() const { return {}; }

  void SetUp() override {
    master_addr = c.addr_of(master_index);
    // Short leases and quick failure detection: a dead primary's lease ends in seconds.
    c.set_common({"master.address=" + master_addr, "chunkserver.heartbeat_interval_ms=300",
                  "lease.duration_ms=" + server_lease_ms(), "master.unhealthy_after_ms=1500",
                  "master.removed_after_ms=4000"});
    c.start("master", "master", master_index);
    for (int i = 1; i <= 4; ++i)
      c.start("cs" + std::to_string(i), "chunkserver", i, chunkserver_extra());
    ASSERT_TRUE(wait_until([&] { return healthy() == 4; }, 20s));
  }

  int healthy() { return c.healthy_chunkservers(master_index); }

  std::vector<std::string> client_argv(const std::vector<std::string>& args,
                                       uint32_t timeout_ms = 5000) {
    return c.client_argv({"master.address=" + master_addr, "lease.duration_ms=3000",
                          "client.timeout_ms=" + std::to_string(timeout_ms)},
                         args);
  }

  run_result cli(const std::vector<std::string>& args, uint32_t timeout_ms = 5000) {
    return dfs::test::run(client_argv(args, timeout_ms), c.dir());
  }

  // Uploads `data` as /path with 64 KiB chunks.
  void put(const std::string& path, const std::string& data) {
    spit(c.dir() + "/put.bin", data);
    auto r = cli({"put", c.dir() + "/put.bin", path, "--chunk-size", std::to_string(chunk)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  void write(const std::string& path, uint64_t offset, const std::string& data,
             std::string& model) {
    auto local = c.dir() + "/w" + std::to_string(offset) + ".bin";
    spit(local, data);
    auto r = cli({"write", path, std::to_string(offset), local});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    if (model.size() < offset + data.size()) model.resize(offset + data.size(), '\0');
    model.replace(offset, data.size(), data);
  }
  std::string get(const std::string& path) {
    auto r = cli({"get", path, c.dir() + "/got.bin"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return slurp(c.dir() + "/got.bin");
  }
  // A lease taken with no mutation through it (the chunk a file ended in, before a write past
  // the end grows it) bumps the version at the primary at once and at the secondaries with
  // their next heartbeat reply: `verify` may see the old version there for a heartbeat or so.
  void expect_replicas_identical(const std::string& path) {
    run_result r;
    wait_until(
        [&] {
          r = cli({"verify", path});
          return r.exit_code == 0;
        },
        10s);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("every replica identical"), std::string::npos) << r.out;
  }
  // The index of a secondary of chunk 0 of `path` (taking a lease on it); 0 on failure.
  int secondary_of_chunk0(const std::string& path) {
    auto l = cli({"lease", path, "0"});
    EXPECT_EQ(l.exit_code, 0) << l.err;
    auto p = l.out.find("secondary ");
    EXPECT_NE(p, std::string::npos) << l.out;
    if (l.exit_code != 0 || p == std::string::npos) return 0;
    auto addr = l.out.substr(p + 10, l.out.find('#', p) - p - 10);
    for (int i = 1; i <= 4; ++i)
      if (c.addr_of(i) == addr) return i;
    ADD_FAILURE() << "no chunkserver at " << addr;
    return 0;
  }
  // Waits until every chunk of `path` has three replicas again (repair), all identical.
  void expect_three_identical_replicas(const std::string& path) {
    ASSERT_TRUE(wait_until(
        [&] {
          auto v = cli({"verify", path});
          return v.exit_code == 0 && std::count(v.out.begin(), v.out.end(), '\n') >= 3 * 2 + 1;
        },
        60s))
        << cli({"verify", path}).out;
    expect_replicas_identical(path);
  }
};

TEST_F(Mutations, WritesChangeTheNewestVersionInPlaceAndGrowTheFile) {
  auto model = random_bytes(150000, 1);
  put("/f", model);
  write("/f", chunk - 4000, random_bytes(10000, 2), model);  // across a chunk boundary
  write("/f", 100, random_bytes(300, 3), model);
  EXPECT_TRUE(get("/f") == model);
  expect_replicas_identical("/f");
  // Past the end: two new chunks, a hole that reads as zeros, the size the master's.
  write("/f", 4 * chunk + 123, random_bytes(5000, 4), model);
  EXPECT_TRUE(get("/f") == model);
  auto st = cli({"stat", "/f"});
  EXPECT_NE(st.out.find(std::to_string(model.size()) + " bytes"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("version 1 of 1"), std::string::npos) << "in place: " << st.out;
  expect_replicas_identical("/f");
  // Holding the file's exclusive lock for the write.
  spit(c.dir() + "/lk", "locked!");
  auto lk = cli({"write", "/f", "7", c.dir() + "/lk", "--locked"});
  EXPECT_EQ(lk.exit_code, 0) << lk.err;
  model.replace(7, 7, "locked!");
  EXPECT_TRUE(get("/f") == model);
  auto r = cli({"write", "/f", "0", "-"});  // empty stdin: nothing to write
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nothing to write"), std::string::npos) << r.err;
}

TEST_F(Mutations, ConcurrentOverlappingWritesLeaveEveryReplicaIdentical) {
  put("/o", random_bytes(3 * chunk, 5));
  std::vector<std::unique_ptr<process>> writers;
  for (int w = 0; w < 4; ++w) {
    // Each writer rewrites the same overlapping region (spanning chunks 0 and 1) 10 times.
    auto script = std::string("for i in 1 2 3 4 5 6 7 8 9 10; do \"$@\" || exit 1; done");
    auto local = c.dir() + "/ow" + std::to_string(w);
    spit(local, random_bytes(20000, 10 + w));
    auto argv = client_argv({"write", "/o", std::to_string(chunk - 10000), local});
    argv.insert(argv.begin(), {"/bin/sh", "-c", script, "sh"});
    writers.push_back(
        std::make_unique<process>(argv, c.dir() + "/ow" + std::to_string(w) + ".log"));
  }
  for (auto& w : writers) ASSERT_TRUE(wait_until([&] { return !w->running(); }, 120s));
  for (auto& w : writers) EXPECT_EQ(w->status(), 0);
  // Consistent (GFS §2.7): whatever order won, every replica holds the same bytes.
  expect_replicas_identical("/o");
}

// `append --each-line` of `lines` numbered lines "<tag> <i>\n" in the background.
std::string numbered_lines(const std::string& tag, int lines) {
  std::string s;
  for (int i = 0; i < lines; ++i) s += tag + " " + std::to_string(i) + "\n";
  return s;
}

// Every line of `expected` appears exactly once in `records` (order per appender kept).
void expect_each_record_once(const std::string& records, const std::vector<std::string>& tags,
                             int lines) {
  std::map<std::string, int> count;
  std::map<std::string, int> last;  // per tag: the last number seen (appends are in order)
  std::istringstream in(records);
  std::string line;
  size_t total = 0;
  bool ordered = true;
  while (std::getline(in, line)) {
    ++count[line], ++total;
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    auto tag = line.substr(0, sp);
    int n = std::stoi(line.substr(sp + 1));
    if (last.count(tag) && n <= last[tag]) ordered = false;
    last[tag] = n;
  }
  EXPECT_EQ(total, tags.size() * static_cast<size_t>(lines)) << "no duplicate, none missing";
  size_t missing = 0;
  for (auto& t : tags)
    for (int i = 0; i < lines; ++i) missing += count[t + " " + std::to_string(i)] != 1;
  EXPECT_EQ(missing, 0u);
  EXPECT_TRUE(ordered) << "one appender's records come in the order it appended them";
}

TEST_F(Mutations, ConcurrentAppendersLoseNoAcknowledgedRecord) {
  put("/log", "");
  constexpr int appenders = 8, lines = 1000;
  std::vector<std::string> tags;
  std::vector<std::unique_ptr<process>> procs;
  for (int a = 0; a < appenders; ++a) {
    tags.push_back("client" + std::to_string(a));
    auto local = c.dir() + "/lines" + std::to_string(a);
    spit(local, numbered_lines(tags.back(), lines));
    procs.push_back(std::make_unique<process>(client_argv({"append", "/log", local, "--each-line"}),
                                              local + ".log"));
  }
  for (auto& p : procs) ASSERT_TRUE(wait_until([&] { return !p->running(); }, 240s));
  for (size_t a = 0; a < procs.size(); ++a)
    EXPECT_EQ(procs[a]->status(), 0) << slurp(c.dir() + "/lines" + std::to_string(a) + ".log");
  auto r = cli({"cat", "/log", "--records"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_each_record_once(r.out, tags, lines);
  expect_replicas_identical("/log");
  // Plain cat shows the frames; every record is in several chunks' worth of bytes.
  auto st = cli({"stat", "/log"});
  EXPECT_EQ(st.out.find("1 chunks"), std::string::npos) << "records filled several chunks";
}

TEST_F(Mutations, AppendsSurviveTheirPrimaryBeingKilled) {
  put("/k", "");
  ASSERT_EQ(cli({"append", "/k", "-"}).exit_code, 1) << "an empty record is refused";
  spit(c.dir() + "/one", "first\n");
  ASSERT_EQ(cli({"append", "/k", c.dir() + "/one"}).exit_code, 0);
  constexpr int lines = 1500;
  std::vector<std::string> tags = {"a", "b"};
  std::vector<std::unique_ptr<process>> procs;
  for (auto& t : tags) {
    spit(c.dir() + "/k" + t, numbered_lines(t, lines));
    procs.push_back(std::make_unique<process>(
        client_argv({"append", "/k", c.dir() + "/k" + t, "--each-line"}, 3000),
        c.dir() + "/k" + t + ".log"));
  }
  // Find the primary of the chunk being appended to, and SIGKILL it mid-way.
  std::string primary;
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = cli({"stat", "/k"});
        auto n = st.out.find(" chunks");
        if (n == std::string::npos) return false;
        auto start = st.out.rfind(' ', n - 1);
        auto chunks = st.out.substr(start + 1, n - start - 1);
        auto l = cli({"lease", "/k", std::to_string(std::stoi(chunks) - 1)});
        auto p = l.out.find("primary ");
        if (l.exit_code != 0 || p == std::string::npos) return false;
        primary = l.out.substr(p + 8, l.out.find('#', p) - p - 8);
        return true;
      },
      20s));
  int victim = 0;
  for (int i = 1; i <= 4; ++i)
    if (c.addr_of(i) == primary) victim = i;
  ASSERT_NE(victim, 0) << primary;
  c.kill9("cs" + std::to_string(victim));
  for (auto& p : procs) ASSERT_TRUE(wait_until([&] { return !p->running(); }, 240s));
  for (auto& t : tags)
    EXPECT_EQ(procs[&t - &tags[0]]->status(), 0) << slurp(c.dir() + "/k" + t + ".log");
  auto r = cli({"cat", "/k", "--records"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.substr(0, 6), "first\n");
  expect_each_record_once(r.out.substr(6), tags, lines);
}

// Copies wait for a chunk's leases to end, and a lease is extended while mutations go on: a
// chunk appended to without a pause kept two replicas for as long as the appends went on. Now
// its lease is revoked and not extended while it is short of a replica a server could take,
// and the next grant waits for the copy. Appends go on meanwhile (each one waits at most for
// the copy). The chunk must be whole again `within` of the death.
void appended_chunk_regains_its_replica(Mutations& t, std::chrono::seconds within) {
  auto& c = t.c;
  spit(c.dir() + "/empty", "");
  auto made = t.cli({"put", c.dir() + "/empty", "/r", "--chunk-size", std::to_string(4 << 20)});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  // One process per append, numbered records, until the test says stop; each acknowledged
  // number is written down.
  auto stop = c.dir() + "/stop", acked = c.dir() + "/acked", rec = c.dir() + "/rec";
  auto script = "i=0; while [ ! -e " + stop + " ]; do i=$((i+1)); printf 'r %d\\n' $i > " + rec +
                "; \"$@\" || exit 1; echo $i >> " + acked + "; done";
  auto argv = t.client_argv({"append", "/r", rec});
  argv.insert(argv.begin(), {"/bin/sh", "-c", script, "sh"});
  process appender(argv, c.dir() + "/appender.log");
  ASSERT_TRUE(wait_until([&] { return slurp(acked).size() > 20; }, 20s));
  int victim = t.secondary_of_chunk0("/r");
  ASSERT_NE(victim, 0);
  c.kill9("cs" + std::to_string(victim));
  // Chunk 0 back at three replicas, none on the dead server, while the appends go on.
  auto dead = "127.0.0.1:" + std::to_string(c.port_of(victim) + 1) + " ";
  std::string seen;
  bool repaired = wait_until(
      [&] {
        seen = t.cli({"verify", "/r"}).out;
        size_t n = 0;
        for (size_t p = 0; (p = seen.find("chunk 0 ", p)) != std::string::npos; ++p) ++n;
        return n == 3 && seen.find(dead) == std::string::npos;
      },
      within);
  EXPECT_TRUE(repaired) << seen;
  EXPECT_TRUE(appender.running()) << slurp(c.dir() + "/appender.log");
  auto before = slurp(acked).size();
  EXPECT_TRUE(wait_until([&] { return slurp(acked).size() > before + 20; }, 20s))
      << "appends go on after the copy";
  spit(stop, "");
  ASSERT_TRUE(wait_until([&] { return !appender.running(); }, 30s));
  EXPECT_EQ(appender.status(), 0) << slurp(c.dir() + "/appender.log");
  std::istringstream numbers(slurp(acked));
  int lines = 0;
  for (std::string l; std::getline(numbers, l);) ++lines;
  std::vector<std::string> expected;
  for (int i = 1; i <= lines; ++i) expected.push_back("r " + std::to_string(i));
  auto r = t.cli({"cat", "/r", "--records"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream got(r.out);
  std::map<std::string, int> count;
  for (std::string l; std::getline(got, l);) ++count[l];
  size_t wrong = 0;
  for (auto& e : expected) wrong += count[e] != 1;
  EXPECT_EQ(wrong, 0u) << "every acknowledged record once";
}

TEST_F(Mutations, AChunkAppendedToWithoutAPauseGetsItsLostReplicaBack) {
  appended_chunk_regains_its_replica(*this, 60s);
}

void snapshot_during_appends(Mutations& t, int lines);  // below, by the snapshot tests

// Leases as long as the default (60 s).
struct MutationsLongLease : Mutations {
  std::string server_lease_ms() const override { return "60000"; }

  // Creates `path` with one record and returns the chunkserver (1..4) that chunk 0's lease
  // names after `role` ("primary " or "secondary "), its address in `addr`; 0 if none.
  int leased(const std::string& path, const std::string& role, std::string& addr) {
    put(path, "");
    spit(c.dir() + "/one", "first\n");
    EXPECT_EQ(cli({"append", path, c.dir() + "/one"}).exit_code, 0);
    auto l = cli({"lease", path, "0"});
    auto p = l.out.find(role);
    if (l.exit_code != 0 || p == std::string::npos) return ADD_FAILURE() << l.out << l.err, 0;
    addr = l.out.substr(p + role.size(), l.out.find('#', p) - p - role.size());
    for (int i = 1; i <= 4; ++i)
      if (c.addr_of(i) == addr) return i;
    return ADD_FAILURE() << addr, 0;
  }
  // The node id (address#incarnation) the master lists as healthy at chunkserver `index`'s
  // address; empty if none.
  std::string healthy_id_of(int index) {
    std::istringstream table(c.admin(master_index, {"chunkservers"}).out);
    for (std::string line; std::getline(table, line);)
      if (line.rfind(c.addr_of(index) + "#", 0) == 0 && line.find(" healthy ") != std::string::npos)
        return line.substr(0, line.find(' '));
    return "";
  }
  // Appends "second" to `path` (made by `leased`): acknowledged, and both records read back.
  void expect_second_append(const std::string& path) {
    spit(c.dir() + "/two", "second\n");
    auto r = cli({"append", path, c.dir() + "/two"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto records = cli({"cat", path, "--records"});
    ASSERT_EQ(records.exit_code, 0) << records.err;
    EXPECT_EQ(records.out, "first\nsecond\n");
  }
};

// With leases as long as the default, the copy does not wait for the lease to end (a minute
// after the last extension, which continuous appends renew): the lease is revoked. Without
// revocation the chunk had two replicas for the whole minute, and this deadline passes first.
TEST_F(MutationsLongLease, AChunkAppendedToWithoutAPauseIsRepairedWithinItsLease) {
  appended_chunk_regains_its_replica(*this, 30s);
}

// The snapshot revokes the lease the appends keep renewing: without that it waited for the
// lease to end (a minute here), longer than the client asks again (2 x its lease.duration_ms
// + its timeout: 11 s), and failed.
TEST_F(MutationsLongLease, ASnapshotTakenDuringAppendsRevokesTheirLease) {
  snapshot_during_appends(*this, 3000);
}

// A primary that crashed and was restarted (as systemd does) holds no lease: its process ended.
// Its new incarnation's registration tells the master so, which then drops the old one's
// leases and grants a new one at once. Found by a chaos run: appends waited out the dead
// primary's whole lease (a minute) although it was back after a second. Without that, the
// append below outlives its client's 20 s and fails.
TEST_F(MutationsLongLease, AppendsGoOnAtOnceWhenTheirPrimaryIsRestarted) {
  std::string primary;
  int victim = leased("/r", "primary ", primary);
  ASSERT_NE(victim, 0);
  c.kill9("cs" + std::to_string(victim));
  // The master sees it gone first (membership), as when a restart takes a few seconds.
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  c.start("cs" + std::to_string(victim), "chunkserver", victim);
  expect_second_append("/r");
}

// A restarted master forgot its leases (volatile), but its log names each grant's primary: the
// only node an earlier lease can run on gets a new one as soon as it has registered, instead
// of a lease duration (a minute here) after the restart, which outlives the client's 20 s.
TEST_F(MutationsLongLease, AppendsGoOnSoonAfterAMasterRestart) {
  std::string primary;
  ASSERT_NE(leased("/m", "primary ", primary), 0);
  c.kill9("master");
  c.start("master", "master", master_index);
  ASSERT_TRUE(wait_until([&] { return healthy() == 4; }, 20s));
  expect_second_append("/m");
  auto l = cli({"lease", "/m", "0"});
  EXPECT_NE(l.out.find("primary " + primary), std::string::npos) << l.out << l.err;
}

// A secondary of a running lease dies: no append can be acknowledged by every replica of that
// lease, and a lease cannot be revoked. Its primary takes a new lease without the dead replica
// once that has been silent for master.removed_after_ms (4 s here; two live replicas meet
// quorum.write), instead of when the old one ends (a minute here, longer than the client's
// 20 s).
TEST_F(MutationsLongLease, AnAppendWhileASecondaryOfItsLeaseIsGoneGoesOnSoon) {
  std::string secondary;
  int victim = leased("/s", "secondary ", secondary);
  ASSERT_NE(victim, 0);
  c.kill9("cs" + std::to_string(victim));
  ASSERT_TRUE(wait_until([&] { return healthy() == 3; }, 20s));
  expect_second_append("/s");
  auto l = cli({"lease", "/s", "0"});
  EXPECT_EQ(l.out.find(secondary), std::string::npos) << l.out;
}

// A restarted secondary (a new incarnation, its chunk at the current version) is named by the
// new lease at once: the chunk keeps its three replicas.
TEST_F(MutationsLongLease, AnAppendAfterASecondaryRestartedGoesOnWithItsNewIncarnation) {
  std::string secondary;
  int victim = leased("/t", "secondary ", secondary);
  ASSERT_NE(victim, 0);
  auto before = healthy_id_of(victim);
  c.kill9("cs" + std::to_string(victim));
  c.start("cs" + std::to_string(victim), "chunkserver", victim);
  // Until the master has heard the new incarnation, it hands out the old lease (the next test).
  ASSERT_TRUE(wait_until(
      [&] {
        auto now = healthy_id_of(victim);
        return !now.empty() && now != before;
      },
      20s));
  expect_second_append("/t");
  auto l = cli({"lease", "/t", "0"});
  EXPECT_NE(l.out.find("secondary " + secondary), std::string::npos) << l.out;
  expect_replicas_identical("/t");
}

// A secondary restarted before the master heard of it: the master still hands out the running
// lease, and its primary orders the append with the next serial of that lease, which the new
// incarnation cannot follow (serials are not persisted: it cannot tell whether it applied the
// ones before). The primary answers `timeout`; the client then asks the master again, which
// grants the primary a new lease once the old incarnation is gone or replaced. Made
// deterministic here by a restarted secondary that cannot reach the master at all; without
// asking again, the client retries through the cached lease until its 20 s are over.
TEST_F(MutationsLongLease, AnAppendThroughALeaseNamingARestartedSecondaryGoesOn) {
  std::string secondary;
  int victim = leased("/u", "secondary ", secondary);
  ASSERT_NE(victim, 0);
  c.kill9("cs" + std::to_string(victim));
  c.start("cs" + std::to_string(victim), "chunkserver", victim,
          {"master.address=" + c.addr_of(9)});  // nobody listens there
  auto lease = cli({"lease", "/u", "0"});       // the old lease names the old incarnation
  ASSERT_NE(lease.out.find("secondary " + secondary), std::string::npos) << lease.out;
  expect_second_append("/u");
  EXPECT_EQ(cli({"lease", "/u", "0"}).out.find(secondary), std::string::npos);
}

// Both secondaries dead, and the server that could take a copy too: one live replica is
// below quorum.write, so no new lease; the running one names them until it ends, appends
// wait, and the client's error names a gone replica instead of "cannot connect to host:0".
// (With the spare alive, the lease is revoked for a copy to it, and the append goes on under
// the next lease.)
TEST_F(MutationsLongLease, AnAppendWhileBothSecondariesOfItsLeaseAreGoneSaysSo) {
  std::string primary;
  int keep = leased("/s", "primary ", primary);
  ASSERT_NE(keep, 0);
  auto l = cli({"lease", "/s", "0"});
  std::vector<std::string> gone;
  for (int i = 1; i <= 4; ++i) {
    if (i == keep) continue;
    if (l.out.find("secondary " + c.addr_of(i)) != std::string::npos) gone.push_back(c.addr_of(i));
    c.kill9("cs" + std::to_string(i));
  }
  ASSERT_EQ(gone.size(), 2u) << l.out;
  ASSERT_TRUE(wait_until([&] { return healthy() == 1; }, 20s));
  auto r = cli({"append", "/s", c.dir() + "/one"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.find("replica " + gone[0]) != std::string::npos ||
              r.err.find("replica " + gone[1]) != std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("of the chunk's lease is gone"), std::string::npos) << r.err;
}

// Every chunkserver dies as the primary of a write once it is durable on every replica, before
// it answers (fault.crash_after_log=write).
struct MutationsArmed : MutationsLongLease {
  std::vector<std::string> chunkserver_extra() const override {
    return {"fault.crash_after_log=write"};
  }
};

// The write was applied, but its client never heard so and its retries wait for the next lease
// (a minute here) beyond its 5 s: the error must say the outcome is unknown, not just "could not
// be mutated in time", which a user reads as "not written".
TEST_F(MutationsArmed, AWriteWhosePrimaryDiedBeforeAnsweringEndsOutcomeUnknown) {
  std::string addr;
  int primary = leased("/w", "primary ", addr);  // an append: the armed primaries live on
  ASSERT_NE(primary, 0);
  spit(c.dir() + "/new", "WRITTEN");
  auto r = cli({"write", "/w", "0", c.dir() + "/new"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("outcome unknown"), std::string::npos) << r.err;
  ASSERT_TRUE(wait_until([&] { return !c.proc("cs" + std::to_string(primary)).running(); }, 10s));
  // It was applied: the replicas left hold it.
  EXPECT_EQ(get("/w").substr(0, 7), "WRITTEN");
}

// The master dies right after it logged the size an append or a write grew the file to,
// before it answers (fault.crash_after_log=grow), and stays down. The bytes are on every
// replica, so the error must say so: the usual answer to a failed append, appending again,
// would add the record twice; a write's is to run it again, which finishes it; `append
// --each-line` says how many lines went in before it stopped. The restarted master shows the
// record once, the write once run again, and exactly the lines the error counted.
TEST_F(Mutations, AnAppendOrWriteWhoseNewSizeTheMasterNeverAnsweredSaysTheBytesAreThere) {
  put("/g", "");
  spit(c.dir() + "/first", "FIRST\n");
  spit(c.dir() + "/second", "SECOND\n");
  spit(c.dir() + "/tail", "TAIL");
  auto first = cli({"append", "/g", c.dir() + "/first"});  // the file gets its chunk
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // Runs `args` against a master armed to die once it logged a size; restarts it unarmed.
  auto armed = [&](const std::vector<std::string>& args) {
    c.kill9("master");
    c.start("master", "master", master_index, {"fault.crash_after_log=grow"});
    EXPECT_TRUE(wait_until([&] { return healthy() == 4; }, 20s));
    // A short deadline (the client's lease.duration_ms and timeout set how long it retries).
    auto r = dfs::test::run(c.client_argv({"master.address=" + master_addr, "lease.duration_ms=500",
                                           "client.timeout_ms=1000"},
                                          args),
                            c.dir());
    EXPECT_TRUE(wait_until([&] { return !c.proc("master").running(); }, 10s));
    c.start("master", "master", master_index);
    EXPECT_TRUE(wait_until([&] { return healthy() == 4; }, 20s));
    return r;
  };
  auto r = armed({"append", "/g", c.dir() + "/second"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("the record of 7 bytes at "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" is appended to /g on every replica, but readers see the new records "
                       "only once the master's size covers them"),
            std::string::npos)
      << r.err;
  auto records = cli({"cat", "/g", "--records"});
  ASSERT_EQ(records.exit_code, 0) << records.err;
  EXPECT_EQ(records.out, "FIRST\nSECOND\n");
  // A write past the end, inside the file's one chunk (no chunk to add, so no other grow).
  auto size = get("/g").size();
  auto w = armed({"write", "/g", std::to_string(size + 10), c.dir() + "/tail"});
  EXPECT_EQ(w.exit_code, 1) << w.out;
  EXPECT_NE(w.err.find("the bytes are written on every replica, but the master did not confirm "
                       "the file's new size of " +
                       std::to_string(size + 14) + " bytes"),
            std::string::npos)
      << w.err;
  auto again = cli({"write", "/g", std::to_string(size + 10), c.dir() + "/tail"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto got = get("/g");
  ASSERT_EQ(got.size(), size + 14);
  EXPECT_EQ(got.substr(size), std::string(10, '\0') + "TAIL");
  // Lines appended one by one: the first size update (after 250 ms) kills the master, the
  // next line finds no lease, and the error says how many went in before; exactly those are
  // in the file once the master is back.
  put("/h", "");
  spit(c.dir() + "/zero", "line 0\n");
  ASSERT_EQ(cli({"append", "/h", c.dir() + "/zero"}).exit_code, 0);
  auto lines = numbered_lines("line", 5000);
  spit(c.dir() + "/lines", lines.substr(lines.find('\n') + 1));
  auto part = armed({"append", "/h", c.dir() + "/lines", "--each-line"});
  EXPECT_EQ(part.exit_code, 1) << part.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(part.err, m,
                                std::regex("; the first (record is|([0-9]+) records are) appended "
                                           "to /h, but readers see the new records only once "
                                           "the master's size covers them")))
      << part.err;
  auto n = m[2].matched ? std::stoul(m[2].str()) : 1;
  auto seen = cli({"cat", "/h", "--records"});
  ASSERT_EQ(seen.exit_code, 0) << seen.err;
  EXPECT_EQ(seen.out, numbered_lines("line", static_cast<int>(n) + 1)) << part.err;
}

TEST_F(Mutations, AReplicaDownDuringAWriteComesBackStaleAndIsNeverRead) {
  auto model = random_bytes(100000, 7);
  put("/s", model);
  // Take down one replica of chunk 0, write while it is down, bring it back.
  int victim = secondary_of_chunk0("/s");
  ASSERT_NE(victim, 0);
  c.kill9("cs" + std::to_string(victim));
  write("/s", 10, random_bytes(2000, 8), model);  // waits out the lease that names it
  c.start("cs" + std::to_string(victim), "chunkserver", victim);
  ASSERT_TRUE(wait_until([&] { return healthy() == 4; }, 30s));
  // The master knows its replica is stale: reads never see the old bytes, and repair makes
  // three current replicas again.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(get("/s") == model);
  expect_three_identical_replicas("/s");
}

// After a master restart, a stale replica that reports before the current ones must not be
// taken for one that merely missed a version bump (chunk_table::hold_older_reports_until).
TEST_F(Mutations, AStaleReplicaReportingFirstAfterAMasterRestartIsNeverRead) {
  auto model = random_bytes(100000, 9);
  put("/r", model);
  int victim = secondary_of_chunk0("/r");
  ASSERT_NE(victim, 0);
  c.kill9("cs" + std::to_string(victim));
  write("/r", 10, random_bytes(2000, 10), model);
  // Everything stops; the master and the stale replica come back first, then the others.
  c.kill9("master");
  for (int i = 1; i <= 4; ++i)
    if (i != victim) c.kill9("cs" + std::to_string(i));
  c.start("master", "master", master_index);
  c.start("cs" + std::to_string(victim), "chunkserver", victim);
  ASSERT_TRUE(wait_until([&] { return healthy() == 1; }, 20s));
  for (int i = 1; i <= 4; ++i)
    if (i != victim) c.start("cs" + std::to_string(i), "chunkserver", i);
  ASSERT_TRUE(wait_until([&] { return healthy() == 4; }, 30s));
  // The stale replica is not listed: the listed ones agree, and reads are the written bytes.
  expect_replicas_identical("/r");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(get("/r") == model);
  expect_three_identical_replicas("/r");
}

// `lines` records appended one by one (still appending when the snapshot is taken).
void snapshot_during_appends(Mutations& t, int lines) {
  t.put("/a", "");
  spit(t.c.dir() + "/alines", numbered_lines("s", lines));
  process appender(t.client_argv({"append", "/a", t.c.dir() + "/alines", "--each-line"}),
                   t.c.dir() + "/alines.log");
  // Once some records are in, snapshot: the older version is frozen, appends go on in the
  // newest (the snapshot revokes the running lease and waits for its end; copy-on-write
  // follows).
  ASSERT_TRUE(wait_until(
      [&] {
        return t.cli({"stat", "/a"}).out.find(" 0 bytes") == std::string::npos;
      },
      30s));
  auto snap = t.cli({"snapshot", "/a"}, 5000);
  ASSERT_EQ(snap.exit_code, 0) << snap.err;
  EXPECT_EQ(snap.out, "2\n");
  auto frozen = t.cli({"get", "/a", t.c.dir() + "/frozen", "--version", "1"});
  ASSERT_EQ(frozen.exit_code, 0) << frozen.err;
  ASSERT_TRUE(wait_until([&] { return !appender.running(); }, 240s));
  EXPECT_EQ(appender.status(), 0) << slurp(t.c.dir() + "/alines.log");
  auto later = t.cli({"get", "/a", t.c.dir() + "/later", "--version", "1"});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_TRUE(slurp(t.c.dir() + "/frozen") == slurp(t.c.dir() + "/later"))
      << "version 1 changed after the snapshot";
  auto newest = t.cli({"cat", "/a", "--records"});
  ASSERT_EQ(newest.exit_code, 0) << newest.err;
  expect_each_record_once(newest.out, {"s"}, lines);
  auto old = t.cli({"cat", "/a", "--records", "--version", "1"});
  EXPECT_LT(old.out.size(), newest.out.size());
  EXPECT_EQ(newest.out.compare(0, old.out.size(), old.out), 0) << "the snapshot is a prefix";
}

TEST_F(Mutations, ASnapshotTakenDuringAppendsStaysUnchanged) {
  snapshot_during_appends(*this, 8000);
}

TEST_F(Mutations, BadInputGetsOneClearError) {
  put("/b", random_bytes(1000, 6));
  spit(c.dir() + "/x", "x");
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (auto& b : std::vector<bad>{
           {{"write", "/b", "abc", c.dir() + "/x"}, "OFFSET must be a number"},
           {{"write", "/b", "-5", c.dir() + "/x"}, "OFFSET must be a number"},
           {{"write", "/nope", "0", c.dir() + "/x"}, "no such file or directory"},
           {{"write", "/b", "0", c.dir() + "/missing"}, "cannot read"},
           {{"write", "/b", "0"}, "usage: write"},
           {{"append", "/b"}, "usage: append"},
           {{"append", "/b", c.dir() + "/x", "--bogus"}, "unknown option"},
       }) {
    auto r = cli(b.args);
    EXPECT_EQ(r.exit_code, 1) << b.args[1] << " " << r.out;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
  }
  // A record over a quarter chunk is refused before anything is sent.
  spit(c.dir() + "/big", std::string(chunk / 4 + 1, 'b'));
  auto r = cli({"append", "/b", c.dir() + "/big"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("quarter of the chunk size"), std::string::npos) << r.err;
  EXPECT_EQ(get("/b").size(), 1000u) << "nothing changed";
}

}  // namespace
