// node_set and node_ref (the chunk table's replica sets as indexes into its node_table) behave
// as the std::set<node_id> and node_id they replace: the same members in the same order through
// random inserts and erases (past the four held inline), ids that differ only in their
// incarnation or port kept apart, copies and moves that stay independent.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/master/node_set.hpp"

namespace dfs::master {
namespace {

std::vector<node_id> pool() {
  std::vector<node_id> out;
  // Same host and port, other incarnations; same host, other ports; long (heap) host names.
  for (const char* host : {"127.0.0.1", "ip-10-0-1-21.ec2.internal", "a"})
    for (uint16_t port : {17100, 17200, 9})
      for (uint64_t inc : {1ull, 2ull, 1795898431755ull}) out.push_back(node_id{host, port, inc});
  return out;
}

std::vector<node_id> members(const node_set& s) {
  return {s.begin(), s.end()};
}
std::vector<node_id> members(const std::set<node_id>& s) {
  return {s.begin(), s.end()};
}

TEST(NodeSet, MatchesStdSetThroughRandomInsertsErasesCopiesAndMoves) {
  auto ids = pool();
  std::mt19937 rng(7);
  node_table t;
  node_set s;
  std::set<node_id> model;
  size_t largest = 0;
  for (int step = 0; step < 20000; ++step) {
    const auto& n = ids[rng() % ids.size()];
    switch (rng() % 8) {
      case 0:
      case 1:
        EXPECT_EQ(s.erase(n), model.erase(n));
        break;
      case 2: {  // a copy, changed, leaves the original alone
        node_set c = s;
        c.insert(t, ids[rng() % ids.size()]);
        c.erase(n);
        break;
      }
      case 3: {  // moved away and back, and assigned over a set of another size
        node_set m = std::move(s);
        s = node_set();
        s.insert(t, ids[0]);
        s = std::move(m);
        break;
      }
      case 4: {
        node_set c;
        c = s;
        s = c;
        break;
      }
      default:
        EXPECT_EQ(s.insert(t, n), model.insert(n).second);
    }
    largest = std::max(largest, model.size());
    ASSERT_EQ(s.size(), model.size());
    ASSERT_EQ(members(s), members(model)) << "step " << step;
    const auto& probe = ids[rng() % ids.size()];
    ASSERT_EQ(s.count(probe), model.count(probe));
  }
  EXPECT_GT(largest, 8u) << "the sets grew past their inline space";
  EXPECT_EQ(t.size(), ids.size()) << "each id stored once";
}

TEST(NodeSet, EqualityAndClear) {
  auto ids = pool();
  node_table t;
  node_set a, b;
  for (int i = 4; i >= 0; --i) a.insert(t, ids[i]);  // any order: kept in node_id order
  EXPECT_EQ(members(a), members(std::set<node_id>(ids.begin(), ids.begin() + 5)));
  for (int i = 0; i < 5; ++i) b.insert(t, ids[i]);
  EXPECT_TRUE(a == b);
  EXPECT_EQ(b.erase(ids[0]), 1u);
  EXPECT_TRUE(a != b);
  EXPECT_EQ(b.erase(ids[0]), 0u);
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.begin(), b.end());
  EXPECT_TRUE(b == node_set());
}

TEST(NodeRef, HoldsOneIdOrNone) {
  node_table t;
  node_ref none;
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.get().empty());
  EXPECT_TRUE(node_ref(t, node_id{}).empty());
  node_id n{"ip-10-0-1-21.ec2.internal", 17100, 42};
  node_ref r(t, n);
  EXPECT_FALSE(r.empty());
  EXPECT_EQ(r.get(), n);
}

TEST(NodeTable, OneIndexPerIdAndIdsStayPutAsTheTableGrows) {
  node_table t;
  auto first = t.intern(node_id{"h", 1, 1});
  const node_id* where = &t.at(first);
  for (uint64_t i = 0; i < 5000; ++i) t.intern(node_id{"host-" + std::to_string(i), 17100, i});
  EXPECT_EQ(&t.at(first), where) << "sets read ids in place";
  EXPECT_EQ(t.intern(node_id{"h", 1, 1}), first);
  EXPECT_EQ(t.intern(node_id{"host-77", 17100, 77}), t.intern(node_id{"host-77", 17100, 77}));
  EXPECT_EQ(t.at(t.intern(node_id{"host-77", 17100, 77})), (node_id{"host-77", 17100, 77}));
  EXPECT_EQ(t.size(), 5001u);
}

}  // namespace
}  // namespace dfs::master
