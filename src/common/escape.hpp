#pragma once
// Escaping of untrusted text before it reaches a terminal. File names, node ids and error
// texts come from the network; printed raw, an ESC or C1 sequence in them could move the
// cursor, retitle the window or hide lines, and a newline could fake an extra `ls` entry.
#include <string>
#include <string_view>

namespace dfs {

// `text` with everything a terminal could act on or show ambiguously made visible:
//   \n \r \t          as themselves, escaped
//   other C0, DEL     \xNN            ("\x1b")
//   bytes that are not well-formed UTF-8, one escape per byte: \xNN ("\xff", "\xc3")
//   C1 controls, U+2028/U+2029 and the bidi controls that reorder text on screen
//   (U+061C, U+200E/F, U+202A..E, U+2066..9): \uNNNN ("\u202e")
//   a backslash       \\              (so that "\x1b" in a name cannot pass for an ESC)
// Everything else, printable multi-byte UTF-8 included ("日本", "café"), is kept as is.
std::string escape_unprintable(std::string_view text);

// True if `text` holds something escape_unprintable would escape, backslashes aside. Lets an
// outer layer (the admin client) escape only lines that still need it, so that text escaped
// once by the node is not escaped twice.
bool needs_escaping(std::string_view text);

// escape_unprintable per line: the '\n' between lines are kept, other characters escaped, and
// lines for which needs_escaping() is false are kept byte for byte.
std::string escape_lines(std::string_view text);

}  // namespace dfs
