// escape_unprintable: what reaches the terminal when a name, id or error text is printed.
#include "common/escape.hpp"

#include <gtest/gtest.h>

#include <string>

using dfs::escape_lines;
using dfs::escape_unprintable;
using dfs::needs_escaping;

TEST(Escape, PrintableTextIsKept) {
  for (std::string s : {"", "report.pdf", "a b", "~/x-y_z.txt", "\"quoted\"", "日本.txt", "café",
                        "\xf0\x9f\x98\x80"})
    EXPECT_EQ(escape_unprintable(s), s);
}

TEST(Escape, ControlCharacters) {
  EXPECT_EQ(escape_unprintable("a\nb"), "a\\nb");
  EXPECT_EQ(escape_unprintable("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(escape_unprintable("\x1b[2J"), "\\x1b[2J");
  EXPECT_EQ(escape_unprintable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escape_unprintable("\x7f"), "\\x7f");
  EXPECT_EQ(escape_unprintable("\x07\x08\x1f"), "\\x07\\x08\\x1f");
}

TEST(Escape, InvalidUtf8BytesOneByOne) {
  EXPECT_EQ(escape_unprintable("\xff"), "\\xff");
  EXPECT_EQ(escape_unprintable("a\xc3"), "a\\xc3");                  // cut short
  EXPECT_EQ(escape_unprintable("\xc0\xaf"), "\\xc0\\xaf");           // overlong
  EXPECT_EQ(escape_unprintable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  // After a bad byte the next valid character is found again.
  EXPECT_EQ(escape_unprintable("\xff\xc3\xa9"), "\\xffé");
}

TEST(Escape, C1AndBidiControlsAsCodePoints) {
  EXPECT_EQ(escape_unprintable("\xc2\x9b"
                               "31m"),
            "\\u009b31m");  // 8-bit CSI
  EXPECT_EQ(escape_unprintable("\xc2\x85"), "\\u0085");
  // "invoice<RLO>gpj.exe" would show as "invoiceexe.jpg".
  EXPECT_EQ(escape_unprintable("invoice\xe2\x80\xae"
                               "gpj.exe"),
            "invoice\\u202egpj.exe");
  EXPECT_EQ(escape_unprintable("\xe2\x80\xa8"), "\\u2028");
  EXPECT_EQ(escape_unprintable("\xe2\x81\xa6"), "\\u2066");
  EXPECT_EQ(escape_unprintable("\xc2\xa0"), "\xc2\xa0");  // no-break space is printable
}

TEST(Escape, BackslashIsDoubledSoEscapesAreUnambiguous) {
  EXPECT_EQ(escape_unprintable("a\\x1b"), "a\\\\x1b");
  EXPECT_NE(escape_unprintable("\\x1b"), escape_unprintable("\x1b"));
}

TEST(Escape, NeedsEscaping) {
  EXPECT_FALSE(needs_escaping("plain \\ text, 日本"));
  EXPECT_TRUE(needs_escaping("a\x1b"));
  EXPECT_TRUE(needs_escaping("a\n"));
  EXPECT_TRUE(needs_escaping("\xff"));
  EXPECT_TRUE(needs_escaping("\xe2\x80\xae"));
}

TEST(Escape, LinesKeepTheirNewlinesAndCleanLinesStayAsTheyAre) {
  EXPECT_EQ(escape_lines("a\nb\n"), "a\nb\n");
  EXPECT_EQ(escape_lines("ok \\x1b\nbad\x1b\\\n"), "ok \\x1b\nbad\\x1b\\\\\n");
  EXPECT_EQ(escape_lines("no newline\r"), "no newline\\r");
  EXPECT_EQ(escape_lines(""), "");
}
