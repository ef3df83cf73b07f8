// master_log: every record kind and the snapshot round-trip through CAF's binary serializer.
#include <gtest/gtest.h>

#include <set>
#include <type_traits>
#include <variant>

#include "proto/master_log.hpp"
#include "unit/master/test_util.hpp"

using namespace dfs::master;
using dfs::proto::decode_record;
using dfs::proto::decode_snapshot;
using dfs::proto::encode_record;
using dfs::proto::encode_snapshot;

namespace {

std::vector<log_record> one_of_each() {
  return {
      mkdir_record{"/a/b"},
      remove_record{"/x"},
      allocate_record{chunk_handle{77}, 3},
      commit_record{"/a/f",
                    4,
                    1700000000000,
                    65536,
                    5,
                    {{chunk_handle{77}, 1, 65536, 0xdeadbeef}, {chunk_handle{78}, 2, 3, 1}}},
      abandon_record{{chunk_handle{9}, chunk_handle{10}}},
      trash_record{"/a/f", 12, 1700000000001},
      restore_record{12, "/a/g"},
      purge_record{{12, 13}},
      drain_record{"10.0.0.7:17110", true},
      rename_record{"/a/f", "/b/g"},
      request_record{
          {0x1234567890abcdefull, 42},
          {3, 1700000000002, 65539, 65536, 2, "/b/h"},
          commit_record{
              "/a/f", 4, 1700000000000, 65536, 5, {{chunk_handle{77}, 1, 65536, 0xdeadbeef}}}},
      bump_version_record{chunk_handle{77}, 9, dfs::node_id{"10.0.0.5", 17100, 42}},
      cow_record{"/a/f", 6, 2, chunk_handle{77}, chunk_handle{91}},
      grow_record{"/a/g", 4, 200000, {chunk_meta{chunk_handle{92}, 1, 0, 0}}},
      materialize_record{"/a/s", 3, 4096, {chunk_meta{chunk_handle{93}, 1, 12, 0xfeed}}},
  };
}

// Field by field (the records have no operator==). Re-encoding the decoded record and comparing
// bytes would not do: a field missing from inspect() is missing from both encodings.
bool same(const mkdir_record& a, const mkdir_record& b) {
  return a.path == b.path;
}
bool same(const remove_record& a, const remove_record& b) {
  return a.path == b.path;
}
bool same(const allocate_record& a, const allocate_record& b) {
  return a.first == b.first && a.count == b.count;
}
bool same(const commit_record& a, const commit_record& b) {
  return a.path == b.path && a.version_number == b.version_number && a.mtime_ms == b.mtime_ms &&
         a.chunk_size_bytes == b.chunk_size_bytes && a.max_versions == b.max_versions &&
         a.chunks == b.chunks && a.inline_data == b.inline_data;
}
bool same(const materialize_record& a, const materialize_record& b) {
  return a.path == b.path && a.version_number == b.version_number &&
         a.chunk_size_bytes == b.chunk_size_bytes && a.chunks == b.chunks;
}
bool same(const abandon_record& a, const abandon_record& b) {
  return a.handles == b.handles;
}
bool same(const trash_record& a, const trash_record& b) {
  return a.path == b.path && a.trash_id == b.trash_id && a.deleted_ms == b.deleted_ms;
}
bool same(const restore_record& a, const restore_record& b) {
  return a.trash_id == b.trash_id && a.path == b.path;
}
bool same(const purge_record& a, const purge_record& b) {
  return a.trash_ids == b.trash_ids;
}
bool same(const drain_record& a, const drain_record& b) {
  return a.address == b.address && a.on == b.on;
}
bool same(const rename_record& a, const rename_record& b) {
  return a.from == b.from && a.to == b.to;
}
bool same(const bump_version_record& a, const bump_version_record& b) {
  return a.handle == b.handle && a.chunk_version == b.chunk_version && a.primary == b.primary;
}
bool same(const cow_record& a, const cow_record& b) {
  return a.path == b.path && a.version_number == b.version_number &&
         a.chunk_index == b.chunk_index && a.old_handle == b.old_handle &&
         a.new_handle == b.new_handle;
}
bool same(const grow_record& a, const grow_record& b) {
  return a.path == b.path && a.version_number == b.version_number && a.size_bytes == b.size_bytes &&
         a.chunks == b.chunks;
}
bool same(const log_record& a, const log_record& b);
bool same(const request_record& a, const request_record& b) {
  return a.id == b.id && a.outcome == b.outcome && same(to_record(a.op), to_record(b.op));
}
bool same(const log_record& a, const log_record& b) {
  if (a.index() != b.index()) return false;
  return std::visit([&](const auto& x) { return same(x, std::get<std::decay_t<decltype(x)>>(b)); },
                    a);
}

}  // namespace

TEST(Codec, RecordsRoundTrip) {
  // Every field of every record is set to a non-default value (one_of_each), so a field
  // dropped from an inspect() comes back default and fails here.
  size_t checked = 0;
  for (const auto& r : one_of_each()) {
    auto bytes = encode_record(r);
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), static_cast<uint8_t>(kind_of(r)));
    auto back = decode_record(bytes);
    ASSERT_TRUE(back.ok()) << back.err().message;
    EXPECT_TRUE(same(*back, r)) << "record kind " << static_cast<int>(kind_of(r));
    EXPECT_EQ(encode_record(*back), bytes);
    ++checked;
  }
  EXPECT_EQ(checked, std::variant_size_v<log_record>) << "one record of each kind";
  EXPECT_FALSE(same(one_of_each()[3], one_of_each()[2]));
}

// A commit with a small file's bytes is kind commit_inline (a plain commit record keeps kind 4,
// so logs written before inline files replay), alone and inside a request record.
TEST(Codec, InlineCommitIsItsOwnKind) {
  commit_record c{"/s", 2, 1700000000000, 65536, 5, {}, std::string("small\0bytes", 11)};
  auto bytes = encode_record(c);
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), static_cast<uint8_t>(record_kind::commit_inline));
  auto back = decode_record(bytes);
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_TRUE(same(*back, log_record{c}));
  log_record q = request_record{{3, 4}, {2, 1700000000000, 11, 65536, 0, ""}, c};
  auto qback = decode_record(encode_record(q));
  ASSERT_TRUE(qback.ok()) << qback.err().message;
  EXPECT_TRUE(same(*qback, q));
  // Damage: inline bytes that are empty, or come with chunks, are refused.
  commit_record with_chunks = c;
  with_chunks.chunks = {{chunk_handle{1}, 1, 1, 1}};
  auto tagged = encode_record(with_chunks);
  EXPECT_EQ(decode_record(tagged).err().code, errc::corrupt_state);
  commit_record empty = c;
  empty.inline_data.clear();
  auto plain = encode_record(empty);
  EXPECT_EQ(static_cast<uint8_t>(plain[0]), static_cast<uint8_t>(record_kind::commit_version));
  plain[0] = static_cast<char>(record_kind::commit_inline);
  EXPECT_FALSE(decode_record(plain + std::string(1, '\0')).ok());
}

TEST(Codec, BadRecordBytes) {
  EXPECT_EQ(decode_record("").err().code, errc::corrupt_state);
  EXPECT_EQ(decode_record(std::string(1, '\x63')).err().code, errc::corrupt_state);
  auto bytes = encode_record(one_of_each()[3]);
  EXPECT_FALSE(decode_record(bytes.substr(0, bytes.size() - 1)).ok());
  auto trailing = decode_record(bytes + "zz");
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.err().message.find("trailing"), std::string::npos);
}

// A request record holds one client mutation, as it would be logged alone, after who asked
// and what it answered; anything else inside is a damaged log.
TEST(Codec, RequestRecordsWrapOneClientMutation) {
  for (auto inner : std::vector<client_mutation>{mkdir_record{"/a"}, remove_record{"/b"},
                                                 trash_record{"/c", 1, 2}, restore_record{1, "/d"},
                                                 purge_record{{1}}, rename_record{"/e", "/f"}}) {
    log_record r = request_record{{1, 2}, {}, inner};
    auto bytes = encode_record(r);
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), static_cast<uint8_t>(record_kind::request));
    EXPECT_NE(bytes.find(encode_record(to_record(inner))), std::string::npos)
        << "the inner record is written as it would be alone";
    auto back = decode_record(bytes);
    ASSERT_TRUE(back.ok()) << back.err().message;
    EXPECT_TRUE(same(*back, r));
  }
  auto wrap = [](const std::string& inner) {
    auto head = encode_record(request_record{{1, 2}, {}, mkdir_record{"/a"}});
    return head.substr(0, head.size() - encode_record(mkdir_record{"/a"}).size()) + inner;
  };
  EXPECT_TRUE(decode_record(wrap(encode_record(mkdir_record{"/a"}))).ok());
  for (auto& inner :
       {encode_record(allocate_record{chunk_handle{1}, 1}), encode_record(drain_record{"x", true}),
        encode_record(one_of_each().back()), std::string{}}) {
    auto bad = decode_record(wrap(inner));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.err().code, errc::corrupt_state);
  }
}

TEST(Codec, SnapshotRoundTrip) {
  dfs::master::test::driver d;
  d.mkdir("/a");
  d.put("/a/f", {10, 20});
  d.put("/a/f", {30});
  d.allocate("/a/g", {1});
  auto snap = d.state.snapshot();
  auto bytes = encode_snapshot(snap);
  auto back = decode_snapshot(bytes);
  ASSERT_TRUE(back.ok()) << back.err().message;
  auto st = master_state::from_snapshot(*back, {}, dfs::master::test::t0());
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->canonical_dump(), d.state.canonical_dump());
  EXPECT_FALSE(decode_snapshot(bytes.substr(0, bytes.size() / 2)).ok());
  EXPECT_FALSE(decode_snapshot("\x02").ok());
}

TEST(Codec, SnapshotWithTrashRoundTripsAndFormatOneStillLoads) {
  dfs::master::test::driver d;
  d.put("/f", {10});
  d.put("/g", {20});
  auto before_trash = encode_snapshot(d.state.snapshot());
  ASSERT_TRUE(
      d.state.apply(dfs::master::trash_record{"/f", 1, 1700000000000}, dfs::master::test::t0())
          .ok());
  auto snap = d.state.snapshot();
  ASSERT_EQ(snap.trash.size(), 1u);
  auto back = decode_snapshot(encode_snapshot(snap));
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_EQ(back->next_trash_id, 2u);
  ASSERT_EQ(back->trash.size(), 1u);
  EXPECT_EQ(back->trash[0].path, "/f");
  EXPECT_EQ(back->trash[0].deleted_ms, 1700000000000u);
  auto st = master_state::from_snapshot(*back, {}, dfs::master::test::t0());
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->canonical_dump(), d.state.canonical_dump());
  // Format 1 (written before the trash) is format 6 without its last six fields: an empty
  // trash (one length byte), next_trash_id (8 bytes), no drains, no requests, no inline bytes
  // and no lease holders (one length byte each).
  auto v1 = "\x01" + before_trash.substr(1, before_trash.size() - 1 - 9 - 1 - 1 - 1 - 1);
  auto old = decode_snapshot(v1);
  ASSERT_TRUE(old.ok()) << old.err().message;
  EXPECT_TRUE(old->trash.empty());
  EXPECT_EQ(old->files.size(), 2u);
  // Format 2 (before drains were logged): format 6 without the last four fields.
  auto v2 = "\x02" + before_trash.substr(1, before_trash.size() - 1 - 1 - 1 - 1 - 1);
  auto older = decode_snapshot(v2);
  ASSERT_TRUE(older.ok()) << older.err().message;
  EXPECT_EQ(older->files.size(), 2u);
  EXPECT_TRUE(older->draining.empty());
  // Format 3 (before the request table): format 6 without the last three fields.
  auto v3 = "\x03" + before_trash.substr(1, before_trash.size() - 1 - 1 - 1 - 1);
  auto v3back = decode_snapshot(v3);
  ASSERT_TRUE(v3back.ok()) << v3back.err().message;
  EXPECT_EQ(v3back->files.size(), 2u);
  EXPECT_TRUE(v3back->requests.empty());
  // Format 4 (before inline files): format 6 without the last two fields.
  auto v4 = "\x04" + before_trash.substr(1, before_trash.size() - 1 - 1 - 1);
  auto v4back = decode_snapshot(v4);
  ASSERT_TRUE(v4back.ok()) << v4back.err().message;
  EXPECT_EQ(v4back->files.size(), 2u);
  EXPECT_TRUE(v4back->inlined.empty());
  // Format 5 (before grants logged their primary): format 6 without the last field.
  auto v5 = "\x05" + before_trash.substr(1, before_trash.size() - 1 - 1);
  auto v5back = decode_snapshot(v5);
  ASSERT_TRUE(v5back.ok()) << v5back.err().message;
  EXPECT_EQ(v5back->files.size(), 2u);
  EXPECT_TRUE(v5back->lease_holders.empty());
  EXPECT_EQ(static_cast<uint8_t>(before_trash[0]), 6u) << "snapshots are written as format 6";
}

// The request table is in the checkpoint: a retry after a restart from it gets the first result.
TEST(Codec, RequestTableSurvivesASnapshot) {
  dfs::master::test::driver d;
  auto t = dfs::master::test::t0();
  ASSERT_TRUE(d.state.apply(request_record{{5, 1}, {}, mkdir_record{"/a"}}, t).ok());
  ASSERT_TRUE(
      d.state.apply(request_record{{5, 2}, {0, 0, 0, 0, 0, "/b"}, rename_record{"/a", "/b"}}, t)
          .ok());
  ASSERT_TRUE(d.state.apply(request_record{{6, 1}, {}, mkdir_record{"/c"}}, t).ok());
  auto back = decode_snapshot(encode_snapshot(d.state.snapshot()));
  ASSERT_TRUE(back.ok()) << back.err().message;
  ASSERT_EQ(back->requests.size(), 2u);
  auto st = master_state::from_snapshot(*back, {}, t);
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->canonical_dump(), d.state.canonical_dump());
  EXPECT_NE(st->canonical_dump().find("request 2 version 0"), std::string::npos);
  auto mv = st->requests().find({5, 2});
  ASSERT_EQ(mv.st, request_table::state::done);
  EXPECT_EQ(mv.outcome->path, "/b");
  // A request record whose mutation does not apply leaves no entry.
  EXPECT_FALSE(d.state.apply(request_record{{7, 1}, {}, mkdir_record{"/c"}}, t).ok());
  EXPECT_EQ(d.state.requests().find({7, 1}).st, request_table::state::unknown);
}

TEST(Codec, DrainsSurviveASnapshotAndAReplay) {
  dfs::master::test::driver d;
  d.put("/f", {10});
  auto t = dfs::master::test::t0();
  ASSERT_TRUE(d.state.apply(drain_record{"127.0.0.1:17110", true}, t).ok());
  ASSERT_TRUE(d.state.apply(drain_record{"127.0.0.1:17120", true}, t).ok());
  ASSERT_TRUE(d.state.apply(drain_record{"127.0.0.1:17120", false}, t).ok());
  EXPECT_EQ(d.state.draining(), std::set<std::string>{"127.0.0.1:17110"});
  auto back = decode_snapshot(encode_snapshot(d.state.snapshot()));
  ASSERT_TRUE(back.ok()) << back.err().message;
  auto st = master_state::from_snapshot(*back, {}, t);
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->draining(), d.state.draining());
  EXPECT_EQ(st->canonical_dump(), d.state.canonical_dump());
  EXPECT_NE(d.state.canonical_dump().find("draining 127.0.0.1:17110"), std::string::npos);
  EXPECT_FALSE(d.state.apply(drain_record{"", true}, t).ok()) << "a record without an address";
}

// A lease's version bump replays onto the chunk with its primary (kind 17; the version is in
// the snapshot's chunk_meta, the primary in lease_holders), and a bump that does not raise the
// version is a damaged log. A bump of kind 12 (older logs) reads without a primary.
TEST(Codec, VersionBumpsReplayAndSurviveASnapshot) {
  dfs::master::test::driver d;
  auto chunks = d.put("/f", {100});
  auto h = chunks.at(0).handle;
  auto t = dfs::master::test::t0();
  dfs::node_id primary{"127.0.0.1", 17100, 7};
  auto bump = d.state.validate_bump(h, primary);
  ASSERT_TRUE(bump.ok());
  EXPECT_EQ(bump->chunk_version, 2u);
  EXPECT_EQ(bump->primary, primary);
  d.apply(*bump);
  EXPECT_EQ(d.state.chunks().find(h)->meta.chunk_version, 2u);
  EXPECT_EQ(d.state.chunks().find(h)->lease_holder.get(), primary);
  EXPECT_EQ(static_cast<uint8_t>(encode_record(*bump)[0]), 17u);
  EXPECT_FALSE(d.state.apply(bump_version_record{h, 2, {}}, t).ok()) << "not above the current one";
  EXPECT_FALSE(d.state.apply(bump_version_record{chunk_handle{999}, 5, {}}, t).ok());
  EXPECT_EQ(d.state.validate_bump(chunk_handle{999}, primary).err().code, errc::unknown_handle);
  std::vector<log_record> decoded;
  for (auto& r : d.log) decoded.push_back(*decode_record(encode_record(r)));
  auto replayed = master_state::replay({}, decoded, {}, t);
  ASSERT_TRUE(replayed.ok()) << replayed.err().message;
  EXPECT_EQ(replayed->canonical_dump(), d.state.canonical_dump());
  auto snap = decode_snapshot(encode_snapshot(d.state.snapshot()));
  ASSERT_TRUE(snap.ok());
  auto restored = master_state::from_snapshot(*snap, {}, t);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->chunks().find(h)->meta.chunk_version, 2u);
  EXPECT_EQ(restored->chunks().find(h)->lease_holder.get(), primary);
  EXPECT_EQ(restored->canonical_dump(), d.state.canonical_dump());
  // Kind 12: the kind byte, handle and version (8 bytes each) only.
  auto old = encode_record(bump_version_record{h, 3, {}}).substr(0, 1 + 8 + 8);
  old[0] = 12;
  auto read = decode_record(old);
  ASSERT_TRUE(read.ok()) << read.err().message;
  auto* b = std::get_if<bump_version_record>(&*read);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->chunk_version, 3u);
  EXPECT_TRUE(b->primary.empty());
  // A holder of a chunk that is not committed is a damaged checkpoint.
  auto bad = d.state.snapshot();
  bad.lease_holders.push_back({chunk_handle{999}, primary});
  EXPECT_FALSE(master_state::from_snapshot(bad, {}, t).ok());
}
