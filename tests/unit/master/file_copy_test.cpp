// master_core's `cp` (ns_op::copy, version_snapshot.cpp, master_cow.cpp): a new version of
// another path that shares every chunk of the source's newest version, logged as one commit
// record; into an existing directory; a retry answered once; the copy outlives its source;
// a lease on either copies the shared chunk first; bad input gets one clear error.
#include <gtest/gtest.h>

#include "core/master/master_core.hpp"
#include "unit/master/shared_chunks_cluster.hpp"

namespace dfs::master {
namespace {

using test::lease_of;
using test::make_cluster;
using test::ns_of;
using test::ports;
using cluster = test::shared_chunks_cluster;

ns_request copy_of(const std::string& from, const std::string& to, uint64_t request_no = 0) {
  return {ns_op::copy, from, to, request_no == 0 ? 0u : 88u, request_no};
}

// Copies, durable; the reply.
ns_reply copy(cluster& k, const std::string& from, const std::string& to, uint64_t request_no = 1) {
  auto fx = k.c.on_request(60, copy_of(from, to, request_no), k.now, 7000);
  if (auto* early = ns_of(fx, 60)) return *early;  // refused at once
  auto durable = k.flush();
  auto* r = ns_of(durable, 60);
  EXPECT_NE(r, nullptr);
  return r == nullptr ? ns_reply{} : *r;
}

TEST(FileCopy, SharesEveryChunkOfTheSourcesNewestVersionUnderTheNewName) {
  auto k = make_cluster();
  auto r = copy(k, "/f", "/g");
  ASSERT_EQ(r.status, ns_status::ok) << r.error;
  ASSERT_EQ(r.versions.size(), 1u);
  EXPECT_EQ(r.versions[0].number, 1u);
  EXPECT_EQ(r.versions[0].size_bytes, 2500u);
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].name, "/g");  // where it went
  EXPECT_EQ(k.chunks_of(1, "/g"), k.chunks_of(1, "/f"));
  for (auto h : k.handles) EXPECT_EQ(k.refs(h), 2u);
  EXPECT_EQ(k.c.meta().versions("/f", 10)->size(), 1u);  // the source is unchanged
  auto* q = std::get_if<request_record>(&k.log.back());
  ASSERT_NE(q, nullptr);
  auto* commit = std::get_if<commit_record>(&q->op);
  ASSERT_NE(commit, nullptr);
  EXPECT_EQ(commit->path, "/g");
  EXPECT_EQ(k.c.cows_in_flight(), 0u);
  k.expect_replay_equal();
}

TEST(FileCopy, IntoADirectoryAndOntoAnExistingFileAsItsNextVersion) {
  auto k = make_cluster();
  (void)k.c.on_request(5, ns_request{ns_op::mkdir, "/d"}, k.now, 1);
  k.flush();
  auto into = copy(k, "/f", "/d", 1);
  ASSERT_EQ(into.status, ns_status::ok) << into.error;
  EXPECT_EQ(into.entries.at(0).name, "/d/f");
  EXPECT_EQ(k.chunks_of(1, "/d/f"), k.chunks_of(1, "/f"));
  auto again = copy(k, "/f", "/d/f", 2);
  ASSERT_EQ(again.status, ns_status::ok) << again.error;
  EXPECT_EQ(again.versions.at(0).number, 2u);
  for (auto h : k.handles) EXPECT_EQ(k.refs(h), 3u);  // /f v1, /d/f v1 and v2
  k.expect_replay_equal();
}

TEST(FileCopy, ARetryIsAnsweredWithTheFirstResultAndAppliedOnce) {
  auto k = make_cluster();
  (void)k.c.on_request(5, ns_request{ns_op::mkdir, "/d"}, k.now, 1);
  k.flush();
  ASSERT_EQ(copy(k, "/f", "/d", 1).status, ns_status::ok);
  auto fx = k.c.on_request(61, copy_of("/f", "/d", 1), k.now, 8000);
  auto all = k.flush();
  auto* r = ns_of(fx, 61) != nullptr ? ns_of(fx, 61) : ns_of(all, 61);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, ns_status::ok) << r->error;
  ASSERT_EQ(r->versions.size(), 1u);
  EXPECT_EQ(r->versions[0].number, 1u);
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].name, "/d/f");  // the copy's stat, not the source's
  EXPECT_EQ(k.c.meta().versions("/d/f", 10)->size(), 1u);
  for (auto h : k.handles) EXPECT_EQ(k.refs(h), 2u);
}

TEST(FileCopy, TheCopyKeepsItsChunksWhenTheSourceIsRemovedAndPurged) {
  auto k = make_cluster();
  ASSERT_EQ(copy(k, "/f", "/g").status, ns_status::ok);
  (void)k.c.on_request(7, ns_request{ns_op::remove, "/f"}, k.now, 9000);
  k.flush();
  (void)k.c.on_request(8, trash_request{trash_op::purge, "/f", "", 0, 0}, k.now);
  k.flush();
  EXPECT_TRUE(k.c.meta().trash().empty());
  EXPECT_FALSE(k.c.meta().versions("/f", 10).ok());
  for (auto h : k.handles) EXPECT_EQ(k.refs(h), 1u);  // /g's
  // Nothing of /g is ordered deleted on the chunkservers.
  for (auto p : ports) EXPECT_TRUE(k.heartbeat(p).delete_chunks.empty()) << p;
  k.expect_replay_equal();
}

TEST(FileCopy, ALeaseOnTheCopyCopiesTheSharedChunkFirstAndTheSourceKeepsIt) {
  auto k = make_cluster();
  ASSERT_EQ(copy(k, "/f", "/g").status, ns_status::ok);
  auto old = k.handles[0];
  auto fx = k.c.on_lease(10, {"/g", 0, 0}, k.now);
  EXPECT_TRUE(fx.replies.empty());
  EXPECT_EQ(k.c.cows_in_flight(), 1u);
  k.flush();
  auto fresh = std::get<allocate_record>(k.log.back()).first.value;
  for (auto p : ports) (void)k.heartbeat(p);
  for (auto p : ports) (void)k.heartbeat(p, {}, {{fresh, 1, 1024}});
  EXPECT_EQ(k.c.cows_in_flight(), 0u);
  k.flush();
  EXPECT_EQ(k.chunks_of(1, "/g").at(0).value, fresh);
  EXPECT_EQ(k.chunks_of(1, "/f").at(0).value, old);
  EXPECT_EQ(k.refs(old), 1u);
  EXPECT_EQ(k.refs(fresh), 1u);
  EXPECT_NE(k.c.leases().find(chunk_handle{fresh}), nullptr);
  EXPECT_EQ(k.c.leases().find(chunk_handle{old}), nullptr);
  k.expect_replay_equal();
}

TEST(FileCopy, WaitsForALeaseOnTheSourceToEnd) {
  auto k = make_cluster();
  (void)k.c.on_lease(10, {"/f", 1, 0}, k.now);
  k.flush();
  auto r = copy(k, "/f", "/g");
  EXPECT_EQ(r.status, ns_status::busy);
  EXPECT_NE(r.error.find("cp of \"/f\": chunk " + chunk_handle{k.handles[1]}.to_string()),
            std::string::npos)
      << r.error;
  EXPECT_FALSE(k.c.meta().versions("/g", 10).ok());
}

TEST(FileCopy, BadInputGetsOneClearErrorAndChangesNothing) {
  auto k = make_cluster();
  (void)k.c.on_request(5, ns_request{ns_op::mkdir, "/d"}, k.now, 1);
  k.flush();
  auto before = k.c.meta().canonical_dump();
  struct bad {
    std::string from, to;
    ns_status status;
    std::string says;
  };
  for (const auto& b : std::vector<bad>{
           {"/nope", "/g", ns_status::not_found, ""},
           {"/d", "/e", ns_status::is_a_directory, "/d is a directory; cp takes one file (cp -r"},
           {"/f", "/f", ns_status::invalid_argument, "/f and its copy are the same file"},
           {"/f", "/", ns_status::invalid_argument, "/f and its copy are the same file"},
           {"/f", "/missing/g", ns_status::not_found, ""},
           {"/f", "/f/g", ns_status::not_a_directory, ""},
           {"/f", "relative", ns_status::invalid_path, ""},
           {"/f", "/bad\nname", ns_status::invalid_path, ""},
       }) {
    auto r = copy(k, b.from, b.to, 0);
    EXPECT_EQ(r.status, b.status) << b.from << " -> " << b.to << ": " << r.error;
    EXPECT_NE(r.error.find(b.says), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;  // one line
  }
  EXPECT_EQ(k.c.meta().canonical_dump(), before);
}

}  // namespace
}  // namespace dfs::master
