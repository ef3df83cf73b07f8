// The replicated masters' wiring (src/actors/master/master_replication, committed_meta) with
// real disks and an in-memory network: three masters elect one, its batches commit on a
// majority and apply to every committed state, and a master restarted from its disk has them.
#include "actors/master/master_replication.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "common/temp_dir.hpp"

using namespace std::chrono_literals;
using dfs::endpoint;
using dfs::master_replication;
namespace master = dfs::master;
namespace replog = dfs::replog;

namespace {

TEST(CommittedMeta, BatchesRoundTripAndApply) {
  std::vector<master::log_record> batch = {master::mkdir_record{"/a"},
                                           master::mkdir_record{"/a/b"}};
  auto bytes = dfs::encode_batch(batch);
  auto back = dfs::decode_batch(bytes);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_FALSE(dfs::decode_batch(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(dfs::decode_batch(std::string("\xff\xff\xff\x7f", 4)));
  dfs::committed_meta m({});
  EXPECT_EQ(m.apply(bytes), "");
  EXPECT_TRUE(m.meta().stat("/a/b"));
  // A batch that does not apply is reported (every master sees the same), not thrown.
  EXPECT_NE(m.apply(dfs::encode_batch({master::mkdir_record{"/a"}})), "");
  dfs::committed_meta copy({});
  ASSERT_TRUE(copy.restore(m.snapshot()));
  EXPECT_TRUE(copy.meta().stat("/a/b"));
  EXPECT_FALSE(copy.restore("garbage"));
}

struct group {
  dfs::test::temp_dir dir;
  std::vector<endpoint> addrs = {{"127.0.0.1", 1}, {"127.0.0.1", 2}, {"127.0.0.1", 3}};
  struct in_flight {
    endpoint from, to;
    replog::message m;
  };
  std::deque<in_flight> net;
  std::vector<std::unique_ptr<master_replication>> nodes;
  dfs::core::time_point now = dfs::core::clock::now();

  dfs::config cfg_of(int i, bool bootstrap) const {
    dfs::config c;
    c.node.host = "127.0.0.1";
    c.node.port = addrs[i].port;
    c.master.replicas = 3;
    c.master.bootstrap = bootstrap;
    for (auto& a : addrs) c.cluster.masters.push_back(a.to_string());
    return c;
  }
  void start(int i, bool bootstrap) {
    if (nodes.size() <= static_cast<size_t>(i)) nodes.resize(i + 1);
    auto from = addrs[i];
    nodes[i] = std::make_unique<master_replication>(
        cfg_of(i, bootstrap), master::master_options{}, dir.path() + "/m" + std::to_string(i),
        [this, from](const endpoint& to, const replog::message& m) {
          net.push_back({from, to, m});
        },
        [](const std::string& why) {
          ADD_FAILURE() << why;
          std::abort();
        },
        now);
  }
  int index_of(const endpoint& e) const {
    for (size_t i = 0; i < addrs.size(); ++i)
      if (addrs[i] == e) return static_cast<int>(i);
    return -1;
  }
  // Advances time by `step`, ticks every node and delivers every message (to live nodes).
  void run(dfs::core::duration total, dfs::core::duration step = 10ms) {
    for (auto t = dfs::core::duration{}; t < total; t += step) {
      now += step;
      for (auto& n : nodes)
        if (n) (void)n->on_tick(now);
      while (!net.empty()) {
        auto f = std::move(net.front());
        net.pop_front();
        auto& n = nodes[index_of(f.to)];
        if (n) (void)n->on_message(f.from, f.m, now);
      }
    }
  }
  int leader() const {
    for (size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i] && nodes[i]->ready_to_lead()) return static_cast<int>(i);
    return -1;
  }
};

TEST(MasterReplication, ALeadersBatchCommitsEverywhereAndSurvivesARestart) {
  group g;
  for (int i = 0; i < 3; ++i) g.start(i, true);
  g.run(5s);
  int l = g.leader();
  ASSERT_GE(l, 0);
  auto p = g.nodes[l]->propose(dfs::encode_batch({master::mkdir_record{"/x"}}), g.now);
  ASSERT_EQ(p.status, replog::propose_status::ok);
  g.run(1s);
  for (auto& n : g.nodes) EXPECT_TRUE(n->committed().meta().stat("/x"));
  // A follower proposes nothing: not the leader.
  int f = (l + 1) % 3;
  EXPECT_EQ(g.nodes[f]->propose("x", g.now).status, replog::propose_status::not_leader);
  // Every master restarted from its disk (no bootstrap now) still has /x.
  for (int i = 0; i < 3; ++i) g.nodes[i].reset();
  g.net.clear();
  for (int i = 0; i < 3; ++i) g.start(i, false);
  g.run(5s);
  ASSERT_GE(g.leader(), 0);
  for (auto& n : g.nodes) EXPECT_TRUE(n->committed().meta().stat("/x"));
}

TEST(MasterReplication, AWipedMasterComesBackAsALearnerAndCatchesUp) {
  group g;
  for (int i = 0; i < 3; ++i) g.start(i, true);
  g.run(5s);
  int l = g.leader();
  ASSERT_GE(l, 0);
  (void)g.nodes[l]->propose(dfs::encode_batch({master::mkdir_record{"/y"}}), g.now);
  g.run(1s);
  int w = (l + 1) % 3;
  g.nodes[w].reset();
  std::system(("rm -rf '" + g.dir.path() + "/m" + std::to_string(w) + "'").c_str());
  g.start(w, false);
  EXPECT_FALSE(g.nodes[w]->node().is_voter());
  g.run(5s);
  EXPECT_TRUE(g.nodes[w]->node().is_voter());
  EXPECT_TRUE(g.nodes[w]->committed().meta().stat("/y"));
}

}  // namespace
