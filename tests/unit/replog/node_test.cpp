// Direct tests of replog::node's effects contract: what must be on disk before which message.
// (The protocol as a whole is simulated in tests/sim/replog.)
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "core/replog/node.hpp"

namespace dfs::replog {
namespace {

class counter_app : public state_machine {
 public:
  std::string apply(const std::string& d) override { return state_ += d, state_; }
  std::string snapshot() const override { return state_; }
  bool restore(const std::string& b) override { return state_ = b, true; }
  std::string state_;
};

const endpoint a{"a", 1}, b{"b", 1}, c{"c", 1};
const std::vector<endpoint> masters{a, b, c};
const time_point t0{};

node_config cfg_for(const endpoint& self) {
  node_config cfg;
  cfg.self = self;
  cfg.masters = masters;
  return cfg;
}

message vote_request(uint64_t term, bool pre = false) {
  message m;
  m.kind = message_kind::vote_request;
  m.term = term;
  m.pre_vote = pre;
  return m;
}

const outbound* find_send(const effects& fx, message_kind k) {
  for (const auto& o : fx.send)
    if (o.msg.kind == k) return &o;
  return nullptr;
}

// `n` (a, fresh) campaigns at `t` and wins term 1 with b's pre-vote and vote; its no-op is on
// its disk. Returns the effects of the election (the appends of the no-op).
effects elect(node& n, time_point t) {
  (void)n.on_tick(t);
  message grant;
  grant.kind = message_kind::vote_reply;
  grant.pre_vote = true;
  grant.granted = true;
  grant.term = 1;
  (void)n.on_message(b, grant, t);
  grant.pre_vote = false;
  effects fx = n.on_message(b, grant, t);
  if (fx.log) (void)n.on_persisted(fx.log->id, t);
  return fx;
}

// A follower's successful answer in term 1, holding everything, naming the send time `echo`.
message ack_of(const node& n, int64_t echo) {
  message ack;
  ack.kind = message_kind::append_reply;
  ack.term = 1;
  ack.granted = true;
  ack.match_index = n.last_index();
  ack.echo = echo;
  return ack;
}

TEST(ReplogNode, VoteIsOnDiskBeforeItIsGrantedAndSurvivesRestart) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, true, 0), t0);
  effects fx = n.on_message(a, vote_request(5), t0 + std::chrono::seconds(5));
  const outbound* r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->msg.granted);
  ASSERT_TRUE(fx.hard.has_value()) << "vote granted without persisting it";
  EXPECT_EQ(fx.hard->term, 5u);
  EXPECT_EQ(fx.hard->voted_for, a);
  // Restarted from that hard state: no second vote in term 5.
  durable_state d = fresh_disk(masters, true, 0);
  d.hard = *fx.hard;
  counter_app app2;
  node again(cfg_for(c), app2, d, t0);
  effects fx2 = again.on_message(b, vote_request(5), t0 + std::chrono::seconds(5));
  r = find_send(fx2, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->msg.granted);
}

TEST(ReplogNode, PreVoteChangesNothing) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, true, 0), t0);
  effects fx = n.on_message(a, vote_request(1, true), t0 + std::chrono::seconds(5));
  const outbound* r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->msg.granted);
  EXPECT_FALSE(fx.hard.has_value());
  EXPECT_EQ(n.term(), 0u);
}

// The lease: a follower hearing its leader refuses pre-votes even from an up-to-date node (one
// rejoining an idle group), so it cannot raise the term; once the leader is silent for an
// election timeout it grants them.
TEST(ReplogNode, FollowerHearingALeaderRefusesPreVotes) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, true, 0), t0);
  message hb;
  hb.kind = message_kind::append;
  hb.term = 1;
  (void)n.on_message(a, hb, t0 + std::chrono::milliseconds(1000));
  effects fx = n.on_message(b, vote_request(2, true), t0 + std::chrono::milliseconds(1100));
  const outbound* r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->msg.granted) << "granted a pre-vote while hearing a leader";
  fx = n.on_message(b, vote_request(2, true), t0 + std::chrono::milliseconds(1600));
  r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->msg.granted);
}

// While the newest configuration (a readmission of A's new disk) is not known committed, a
// candidate needs a majority of the previous one too: A's new disk and C alone do not elect C (B
// may be counting the old disk's late votes in the same term).
TEST(ReplogNode, UncommittedReadmissionNeedsBothMajorities) {
  durable_state d = fresh_disk(masters, true, 0);
  d.hard.term = 3;
  configuration next = d.snapshot.config;
  next.voters[0].incarnation = 5;  // a -> new disk
  d.log.push_back(entry{1, 3, entry_kind::config, "", next});
  counter_app app;
  node n(cfg_for(c), app, d, t0);
  ASSERT_FALSE(n.config_committed());
  const time_point t = t0 + std::chrono::seconds(2);
  (void)n.on_tick(t);
  ASSERT_EQ(n.current_role(), role::pre_candidate);
  message grant;
  grant.kind = message_kind::vote_reply;
  grant.pre_vote = true;
  grant.granted = true;
  grant.term = 4;
  grant.incarnation = 5;
  (void)n.on_message(a, grant, t);
  EXPECT_EQ(n.current_role(), role::pre_candidate) << "campaigned on the new configuration alone";
  grant.incarnation = 0;
  (void)n.on_message(b, grant, t);
  EXPECT_EQ(n.current_role(), role::candidate);
}

TEST(ReplogNode, FollowerAcknowledgesOnlyPersistedEntries) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, true, 0), t0);
  message m;
  m.kind = message_kind::append;
  m.term = 1;
  for (uint64_t i = 1; i <= 3; ++i) m.entries.push_back(entry{i, 1, entry_kind::data, "x", {}});
  effects fx = n.on_message(a, m, t0);
  ASSERT_TRUE(fx.log.has_value());
  EXPECT_EQ(fx.log->entries.size(), 3u);
  const outbound* r = find_send(fx, message_kind::append_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->msg.granted);
  EXPECT_EQ(r->msg.match_index, 0u) << "acknowledged entries not yet on disk";
  effects fx2 = n.on_persisted(fx.log->id, t0);
  r = find_send(fx2, message_kind::append_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->msg.match_index, 3u);
}

TEST(ReplogNode, WipedDiskIsALearnerThatNeverVotesNorCampaigns) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, false, 1700000000000), t0);
  EXPECT_EQ(n.current_role(), role::learner);
  effects fx = n.on_message(a, vote_request(5), t0 + std::chrono::seconds(5));
  const outbound* r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->msg.granted);
  for (int s = 1; s < 20; ++s) {
    effects t = n.on_tick(t0 + std::chrono::seconds(s));
    EXPECT_EQ(find_send(t, message_kind::vote_request), nullptr);
  }
}

TEST(ReplogNode, SingleVoterCommitsOnlyOnceOnItsOwnDisk) {
  counter_app app;
  node_config cfg = cfg_for(a);
  cfg.masters = {a};
  node n(cfg, app, fresh_disk({a}, true, 0), t0);
  effects fx = n.on_tick(t0 + std::chrono::seconds(5));  // pre-vote, campaign, lead at once
  ASSERT_TRUE(n.is_leader());
  ASSERT_TRUE(fx.hard.has_value());
  proposal p = n.propose("hello", t0 + std::chrono::seconds(5));
  ASSERT_EQ(p.status, propose_status::ok);
  EXPECT_EQ(n.commit_index(), 0u);
  effects done = n.on_persisted(p.fx.log->id, t0 + std::chrono::seconds(5));
  EXPECT_EQ(n.commit_index(), p.index);
  ASSERT_FALSE(done.applied.empty());
  EXPECT_EQ(done.applied.back().data, "hello");
  EXPECT_EQ(done.applied.back().result, "hello");
}

// Raft's "figure 8": a leader must not commit an entry of an earlier term by counting replicas.
// A (term 3, log t1 t2) becomes leader of term 4 with B's vote and replicates its term-2 entry to
// B one entry per message. {A, B} then hold it, but C (log t1 t3) could still be elected by B and
// overwrite it; only once the leader's own no-op (term 4) is on a majority may index 2 commit.
TEST(ReplogNode, LeaderCommitsEarlierTermsOnlyThroughAnEntryOfItsOwn) {
  auto disk_with = [](std::vector<uint64_t> terms) {
    durable_state d = fresh_disk(masters, true, 0);
    d.hard.term = 3;
    for (size_t i = 0; i < terms.size(); ++i)
      d.log.push_back(entry{i + 1, terms[i], entry_kind::data, "e" + std::to_string(i), {}});
    return d;
  };
  counter_app app_a, app_b;
  node_config ca = cfg_for(a), cb = cfg_for(b);
  ca.max_entries_per_append = cb.max_entries_per_append = 1;
  std::map<endpoint, std::unique_ptr<node>> nodes;
  nodes[a] = std::make_unique<node>(ca, app_a, disk_with({1, 2}), t0);
  nodes[b] = std::make_unique<node>(cb, app_b, disk_with({1}), t0);
  struct envelope {
    endpoint from, to;
    message msg;
  };
  std::deque<envelope> wire;
  const time_point t = t0 + std::chrono::seconds(2);  // past A's election timeout
  std::function<void(const endpoint&, effects)> carry = [&](const endpoint& who, effects fx) {
    for (auto& o : fx.send)
      if (nodes.count(o.to)) wire.push_back({who, o.to, o.msg});      // C is unreachable
    if (fx.log) carry(who, nodes[who]->on_persisted(fx.log->id, t));  // disks sync at once
  };
  carry(a, nodes[a]->on_tick(t));
  for (int steps = 0; steps < 100 && !wire.empty(); ++steps) {
    envelope e = wire.front();
    wire.pop_front();
    carry(e.to, nodes[e.to]->on_message(e.from, e.msg, t));
    const node& na = *nodes[a];
    if (na.commit_index() >= 2) {
      ASSERT_GE(nodes[b]->last_index(), 3u)
          << "committed a term-2 entry before any entry of term " << na.term() << " was on B";
    }
  }
  ASSERT_TRUE(nodes[a]->is_leader());
  EXPECT_EQ(nodes[a]->commit_index(), 3u);
}

// Leadership handover, message by message. The transfer flag (granted on a vote request) lets a
// vote through the lease; without it a follower hearing its leader ignores a higher term.
TEST(ReplogNode, TransferFlagLetsAVoteThroughTheLease) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, true, 0), t0);
  message hb;
  hb.kind = message_kind::append;
  hb.term = 1;
  (void)n.on_message(a, hb, t0 + std::chrono::milliseconds(1000));
  effects fx = n.on_message(b, vote_request(2), t0 + std::chrono::milliseconds(1100));
  EXPECT_EQ(find_send(fx, message_kind::vote_reply), nullptr) << "a vote while hearing a leader";
  EXPECT_EQ(n.term(), 1u);
  message forced = vote_request(2);
  forced.granted = true;  // the transfer flag
  fx = n.on_message(b, forced, t0 + std::chrono::milliseconds(1100));
  const outbound* r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->msg.granted);
  ASSERT_TRUE(fx.hard.has_value()) << "vote granted without persisting it";
  EXPECT_EQ(fx.hard->voted_for, b);
}

// timeout_now counts only from the leader of our term: then the follower campaigns at once
// (a real vote request with the transfer flag, no pre-vote).
TEST(ReplogNode, TimeoutNowFromTheLeaderStartsACampaignAtOnce) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, true, 0), t0);
  message hb;
  hb.kind = message_kind::append;
  hb.term = 1;
  const time_point t = t0 + std::chrono::milliseconds(1000);
  (void)n.on_message(a, hb, t);
  message tn;
  tn.kind = message_kind::timeout_now;
  tn.term = 1;
  effects fx = n.on_message(b, tn, t);  // not the leader
  EXPECT_TRUE(fx.send.empty());
  tn.term = 0;
  fx = n.on_message(a, tn, t);  // an older term
  EXPECT_TRUE(fx.send.empty());
  tn.term = 1;
  fx = n.on_message(a, tn, t);
  EXPECT_EQ(n.current_role(), role::candidate);
  EXPECT_EQ(n.term(), 2u);
  ASSERT_TRUE(fx.hard.has_value());
  const outbound* r = find_send(fx, message_kind::vote_request);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->msg.pre_vote);
  EXPECT_TRUE(r->msg.granted) << "no transfer flag";
}

// The leader refuses proposals while handing over, sends timeout_now only to a caught-up target,
// and names what it cannot hand over to.
TEST(ReplogNode, LeaderHandsOverOnlyToACaughtUpVoter) {
  counter_app app;
  node n(cfg_for(a), app, fresh_disk(masters, true, 0), t0);
  const time_point t = t0 + std::chrono::seconds(2);
  effects fx = elect(n, t);
  ASSERT_TRUE(n.is_leader());
  EXPECT_EQ(n.transfer_leadership(a, t).status, transfer_status::self_target);
  EXPECT_EQ(n.transfer_leadership(endpoint{"z", 1}, t).status, transfer_status::unknown_target);
  transfer_result r = n.transfer_leadership(c, t);
  ASSERT_EQ(r.status, transfer_status::started);
  EXPECT_EQ(r.target, c);
  EXPECT_EQ(find_send(r.fx, message_kind::timeout_now), nullptr) << "target not caught up";
  EXPECT_EQ(n.propose("x", t).status, propose_status::transferring);
  message ack = ack_of(n, t.time_since_epoch().count());
  fx = n.on_message(c, ack, t);
  const outbound* tn = find_send(fx, message_kind::timeout_now);
  ASSERT_NE(tn, nullptr);
  EXPECT_EQ(tn->to, c);
  EXPECT_FALSE(n.read_lease(t)) << "a lease read while the target may win";
  // Nobody took over within an election timeout (500 ms). The target got timeout_now and may
  // still campaign with the transfer flag, which voters honour during our lease: the leader
  // steps down rather than lead on without lease reads.
  const time_point later = t + std::chrono::milliseconds(400);
  (void)n.on_message(b, ack, later);
  fx = n.on_tick(later);
  EXPECT_TRUE(n.transferring());
  EXPECT_FALSE(n.read_lease(later));
  fx = n.on_tick(t + std::chrono::milliseconds(500));
  EXPECT_FALSE(n.is_leader());
  EXPECT_FALSE(n.transferring());
}

// A handover given up before any timeout_now left (the target never caught up) changes
// nothing: the leader goes on, proposals and lease reads welcome.
TEST(ReplogNode, HandoverGivenUpBeforeTimeoutNowKeepsTheLeader) {
  counter_app app;
  node n(cfg_for(a), app, fresh_disk(masters, true, 0), t0);
  const time_point t = t0 + std::chrono::seconds(2);
  (void)elect(n, t);
  ASSERT_TRUE(n.is_leader());
  (void)n.on_message(b, ack_of(n, t.time_since_epoch().count()), t);
  ASSERT_TRUE(n.read_lease(t));
  ASSERT_EQ(n.transfer_leadership(c, t).status, transfer_status::started);  // c never answers
  EXPECT_FALSE(n.read_lease(t));
  const time_point later = t + std::chrono::milliseconds(100);  // b answers the heartbeats
  (void)n.on_message(b, ack_of(n, later.time_since_epoch().count()), later);
  const time_point end = t + std::chrono::milliseconds(500);
  (void)n.on_tick(end);
  EXPECT_TRUE(n.is_leader());
  EXPECT_FALSE(n.transferring());
  EXPECT_EQ(n.propose("y", end).status, propose_status::ok);
  EXPECT_TRUE(n.read_lease(end));
}

// The read lease (lease reads, Raft thesis 6.4.1): it starts at the send time a majority
// answered (the echo), not when the answer came, and ends lease_fraction election timeouts
// (500 ms here) after it; an answer carrying an older echo does not extend it.
TEST(ReplogNode, ReadLeaseRunsFromTheSendTimeAMajorityAnswered) {
  counter_app app;
  node n(cfg_for(a), app, fresh_disk(masters, true, 0), t0);
  const time_point t = t0 + std::chrono::seconds(2);
  effects fx = elect(n, t);
  ASSERT_TRUE(n.is_leader());
  EXPECT_FALSE(n.read_lease(t)) << "no majority answered yet";
  const outbound* to_b = find_send(fx, message_kind::append);
  ASSERT_NE(to_b, nullptr);
  EXPECT_EQ(to_b->msg.echo, t.time_since_epoch().count());
  message ack = ack_of(n, 0);  // an answer that names no send time proves nothing
  (void)n.on_message(b, ack, t + std::chrono::milliseconds(10));
  EXPECT_FALSE(n.read_lease(t + std::chrono::milliseconds(10)));
  ack.echo = t.time_since_epoch().count();
  // The answer came 300 ms after the send: the lease still runs from the send.
  (void)n.on_message(b, ack, t + std::chrono::milliseconds(300));
  EXPECT_TRUE(n.read_lease(t + std::chrono::milliseconds(300)));
  EXPECT_TRUE(n.read_lease(t + std::chrono::milliseconds(449)));
  EXPECT_FALSE(n.read_lease(t + std::chrono::milliseconds(450)));
  // A late answer to an old message does not bring it back.
  (void)n.on_message(c, ack, t + std::chrono::milliseconds(460));
  EXPECT_FALSE(n.read_lease(t + std::chrono::milliseconds(460)));
  ack.echo = (t + std::chrono::milliseconds(400)).time_since_epoch().count();
  (void)n.on_message(c, ack, t + std::chrono::milliseconds(460));
  EXPECT_TRUE(n.read_lease(t + std::chrono::milliseconds(460)));
}

// A follower answers with the newest send time it took from its leader, and a node restarted
// with a term refuses votes for an election timeout, as if it had just heard a leader: it may
// have answered one whose lease still runs on its answer.
TEST(ReplogNode, FollowerEchoesItsLeaderAndARestartedNodeHoldsItsVote) {
  counter_app app;
  node n(cfg_for(c), app, fresh_disk(masters, true, 0), t0);
  message hb;
  hb.kind = message_kind::append;
  hb.term = 1;
  hb.echo = 777;
  effects fx = n.on_message(a, hb, t0 + std::chrono::milliseconds(1000));
  const outbound* r = find_send(fx, message_kind::append_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->msg.echo, 777);
  durable_state d = fresh_disk(masters, true, 0);
  d.hard.term = 1;
  counter_app app2;
  const time_point start = t0 + std::chrono::seconds(10);
  node again(cfg_for(c), app2, d, start);
  fx = again.on_message(b, vote_request(2), start + std::chrono::milliseconds(499));
  EXPECT_EQ(find_send(fx, message_kind::vote_reply), nullptr) << "a vote right after a restart";
  EXPECT_EQ(again.term(), 1u);
  fx = again.on_message(b, vote_request(2), start + std::chrono::milliseconds(500));
  r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->msg.granted);
  // A disk that never had a term (the first start) votes at once.
  counter_app app3;
  node fresh(cfg_for(c), app3, fresh_disk(masters, true, 0), start);
  fx = fresh.on_message(b, vote_request(1), start);
  r = find_send(fx, message_kind::vote_reply);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->msg.granted);
}

TEST(ReplogMessages, FieldWiseEquality) {
  message x;
  x.kind = message_kind::snapshot;
  x.snapshot.config.voters.push_back(voter{a, 3});
  message y = x;
  EXPECT_EQ(x, y);
  y.snapshot.config.voters[0].incarnation = 4;
  EXPECT_NE(x, y);
}

}  // namespace
}  // namespace dfs::replog
