// Namespace operations of master_state: mkdir, ls, stat, rm and their errors.
#include <gtest/gtest.h>

#include "unit/master/test_util.hpp"

using namespace dfs::master;
using namespace dfs::master::test;

TEST(Namespace, MkdirLsStat) {
  driver d;
  d.mkdir("/a");
  d.mkdir("/a/b");
  d.put("/a/f", {10, 20});
  auto ls = d.state.ls("/a");
  ASSERT_TRUE(ls.ok());
  ASSERT_EQ(ls->size(), 2u);
  EXPECT_EQ((*ls)[0].name, "b");
  EXPECT_TRUE((*ls)[0].is_dir);
  EXPECT_EQ((*ls)[1].name, "f");
  EXPECT_FALSE((*ls)[1].is_dir);
  EXPECT_EQ((*ls)[1].size_bytes, 30u);
  EXPECT_EQ((*ls)[1].chunk_count, 2u);
  EXPECT_EQ((*ls)[1].version_count, 1u);
  auto root = d.state.ls("/");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->size(), 1u);
  auto st = d.state.stat("/a/f");
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->is_dir);
  EXPECT_EQ(st->newest.number, 1u);
  EXPECT_EQ(st->newest.size_bytes, 30u);
  auto sd = d.state.stat("/a");
  ASSERT_TRUE(sd.ok());
  EXPECT_TRUE(sd->is_dir);
  EXPECT_EQ(sd->child_count, 2u);
  auto lf = d.state.ls("/a/f");  // ls of a file lists the file
  ASSERT_TRUE(lf.ok());
  ASSERT_EQ(lf->size(), 1u);
  EXPECT_EQ((*lf)[0].name, "f");
  EXPECT_EQ(d.state.file_count(), 1u);
  EXPECT_EQ(d.state.total_file_bytes(), 30u);
}

TEST(Namespace, MkdirErrors) {
  driver d;
  d.mkdir("/a");
  d.put("/a/f", {1});
  auto exists = d.state.validate_mkdir("/a");
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.err().code, errc::already_exists);
  EXPECT_NE(exists.err().message.find("/a"), std::string::npos);
  EXPECT_EQ(d.state.validate_mkdir("/a/f").err().code, errc::already_exists);
  EXPECT_EQ(d.state.validate_mkdir("/").err().code, errc::already_exists);
  auto missing = d.state.validate_mkdir("/x/y");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.err().code, errc::not_found);
  EXPECT_NE(missing.err().message.find("/x"), std::string::npos);
  auto under_file = d.state.validate_mkdir("/a/f/g");
  ASSERT_FALSE(under_file.ok());
  EXPECT_EQ(under_file.err().code, errc::not_a_directory);
  EXPECT_EQ(d.state.validate_mkdir("/a/../b").err().code, errc::invalid_path);
}

TEST(Namespace, LookupErrors) {
  driver d;
  d.put("/f", {1});
  EXPECT_EQ(d.state.ls("/nope").err().code, errc::not_found);
  EXPECT_EQ(d.state.stat("/f/x").err().code, errc::not_a_directory);
  EXPECT_EQ(d.state.ls("bad").err().code, errc::invalid_path);
  EXPECT_EQ(d.state.versions("/", 1).err().code, errc::is_a_directory);
  EXPECT_EQ(d.state.versions("/f", 0).err().code, errc::invalid_argument);
  EXPECT_EQ(d.state.layout("/f", 7).err().code, errc::not_found);
  EXPECT_EQ(d.state.layout("/nope").err().code, errc::not_found);
}

TEST(Namespace, PutTargetErrors) {
  driver d;
  d.mkdir("/d");
  EXPECT_EQ(d.state.validate_allocate("/d", 1).err().code, errc::is_a_directory);
  EXPECT_EQ(d.state.validate_allocate("/", 1).err().code, errc::is_a_directory);
  EXPECT_EQ(d.state.validate_allocate("/missing/f", 1).err().code, errc::not_found);
  EXPECT_EQ(d.state.validate_allocate("/d/f", 0).err().code, errc::invalid_argument);
  EXPECT_EQ(d.state.validate_allocate("//", 1).err().code, errc::invalid_path);
}

TEST(Namespace, RemoveFileFreesChunks) {
  driver d;
  auto chunks = d.put("/f", {5, 6});
  ASSERT_NE(d.state.chunks().find(chunks[0].handle), nullptr);
  auto r = d.state.validate_remove("/f");
  ASSERT_TRUE(r.ok());
  d.apply(*r);
  EXPECT_EQ(d.state.stat("/f").err().code, errc::not_found);
  EXPECT_EQ(d.state.chunks().find(chunks[0].handle), nullptr);
  EXPECT_EQ(d.state.chunks().find(chunks[1].handle), nullptr);
  EXPECT_EQ(d.state.file_count(), 0u);
}

TEST(Namespace, RemoveDirectory) {
  driver d;
  d.mkdir("/d");
  d.put("/d/f", {1});
  auto busy = d.state.validate_remove("/d");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.err().code, errc::directory_not_empty);
  EXPECT_NE(busy.err().message.find("/d"), std::string::npos);
  d.apply(*d.state.validate_remove("/d/f"));
  d.apply(*d.state.validate_remove("/d"));
  EXPECT_TRUE(d.state.ls("/")->empty());
  EXPECT_EQ(d.state.validate_remove("/").err().code, errc::invalid_argument);
  EXPECT_EQ(d.state.validate_remove("/d").err().code, errc::not_found);
}

TEST(Namespace, ApplyRefusesRecordThatNoLongerFits) {
  driver d;
  auto r = d.state.validate_mkdir("/a");
  ASSERT_TRUE(r.ok());
  d.apply(*r);
  auto again = d.state.apply(*r, t0());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.err().code, errc::already_exists);
}

// mv: a file keeps its versions and chunks under the new name; a directory moves with
// everything below it; into an existing directory under its own name; never over an existing
// name, never into itself, never /; the log replays to the same state.
TEST(Namespace, RenameFilesAndDirectories) {
  driver d;
  d.mkdir("/a");
  d.mkdir("/a/b");
  auto chunks = d.put("/a/b/f", {10, 20});
  d.put("/a/b/f", {30});  // a second version
  d.mkdir("/x");
  auto r = d.state.validate_rename("/a/b/f", "/a/g");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->to, "/a/g");
  d.apply(*r);
  EXPECT_EQ(d.state.stat("/a/b/f").err().code, errc::not_found);
  auto vs = d.state.versions("/a/g", 10);
  ASSERT_TRUE(vs.ok());
  EXPECT_EQ(vs->size(), 2u);
  EXPECT_NE(d.state.chunks().find(chunks[0].handle), nullptr) << "a rename freed a chunk";
  // A directory into an existing directory: /a -> /x/a, with /a/b and /a/g below it.
  auto into = d.state.validate_rename("/a", "/x");
  ASSERT_TRUE(into.ok()) << into.err().message;
  EXPECT_EQ(into->to, "/x/a");
  d.apply(*into);
  EXPECT_TRUE(d.state.stat("/x/a/g").ok());
  EXPECT_TRUE(d.state.stat("/x/a/b").ok());
  EXPECT_EQ(d.state.file_count(), 1u);
  // Refusals.
  d.put("/y", {1});
  EXPECT_EQ(d.state.validate_rename("/y", "/x/a/g").err().code, errc::already_exists);
  EXPECT_EQ(d.state.validate_rename("/x", "/x/a/b/z").err().code, errc::invalid_argument);
  EXPECT_EQ(d.state.validate_rename("/x/a", "/x/a/b").err().code, errc::invalid_argument)
      << "into itself (b is a directory below it)";
  EXPECT_EQ(d.state.validate_rename("/", "/z").err().code, errc::invalid_argument);
  EXPECT_EQ(d.state.validate_rename("/nope", "/z").err().code, errc::not_found);
  EXPECT_EQ(d.state.validate_rename("/y", "/nodir/z").err().code, errc::not_found);
  EXPECT_EQ(d.state.validate_rename("/y", "/y/z").err().code, errc::not_a_directory);
  EXPECT_EQ(d.state.validate_rename("/y", "/bad\nname").err().code, errc::invalid_path);
  // Onto itself, named directly or through its own directory: as mv says it.
  EXPECT_EQ(d.state.validate_rename("/y", "/y").err().message, "/y and /y are the same file");
  EXPECT_EQ(d.state.validate_rename("/x/a/g", "/x/a").err().message,
            "/x/a/g and /x/a/g are the same file");
  // The log replays to the same state.
  auto replayed = master_state::replay({}, d.log, d.state.options(), t0());
  ASSERT_TRUE(replayed.ok()) << replayed.err().message;
  EXPECT_EQ(replayed->canonical_dump(), d.state.canonical_dump());
}
