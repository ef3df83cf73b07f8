#include "common/text_table.hpp"

#include <gtest/gtest.h>

TEST(TextTable, AlignsColumns) {
  dfs::text_table t({"NAME", "SIZE"}, {false, true});
  t.add({"a", "1"});
  t.add({"longer", "12345"});
  EXPECT_EQ(t.render(),
            "NAME     SIZE\n"
            "a           1\n"
            "longer  12345\n");
}

TEST(TextTable, FormatsBytes) {
  EXPECT_EQ(dfs::format_bytes(17), "17 B");
  EXPECT_EQ(dfs::format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(dfs::format_bytes(3ull << 30), "3.0 GiB");
  EXPECT_EQ(dfs::format_age_ms(1234), "1.2s");
}

// Cells come from other nodes and users: a table escapes them and measures what it prints.
TEST(TextTable, EscapesCellsAndAlignsUtf8ByCharacters) {
  dfs::text_table t({"NAME", "SIZE"}, {false, true});
  t.add({"a\x1b[2Jb", "1"});
  t.add({"café", "22"});
  EXPECT_EQ(t.render(),
            "NAME       SIZE\n"
            "a\\x1b[2Jb     1\n"
            "café         22\n");
}
