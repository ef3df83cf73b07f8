#pragma once
// Validation of namespace paths. Every path entering the master goes through `parse_path` once;
// the rest of the code works on the component list and never sees a malformed name.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/master/error.hpp"

namespace dfs::master {

inline constexpr size_t max_path_bytes = 4096;
inline constexpr size_t max_component_bytes = 255;

// An absolute, normalised path: "/" has no components, "/a/b" has {"a", "b"}.
struct parsed_path {
  std::vector<std::string> components;

  bool is_root() const { return components.empty(); }
  std::string text() const;    // "/a/b"
  parsed_path parent() const;  // precondition: !is_root()
  const std::string& name() const { return components.back(); }
};

// Which rules a path must meet.
//   clean:  structure and names; every path a client sends (and the client checks its own
//           REMOTE arguments with the same function before sending, for the same message).
//   stored: structure only; for paths read back from the op log or a checkpoint, which may
//           hold names written before the name rules existed: refusing them would keep the
//           master from starting, and `rm` takes them so that such a name can still go away.
enum class path_rules { clean, stored };

// Structure: starts with '/', no NUL, no empty component (so no "//" and no trailing '/',
// except the root "/" itself), no "." or ".." component, each component <= 255 bytes, whole
// path <= 4096 bytes. Names (see check_name) for path_rules::clean. The error message names the
// path (quoted, escaped, truncated) and the rule it breaks.
result<parsed_path> parse_path(std::string_view path, path_rules rules = path_rules::clean);

// The name rules for one component: valid UTF-8 (no overlongs, surrogates, values past
// U+10FFFF, cut-short sequences) and no control characters (U+0000..U+001F, DEL, and the C1
// controls U+0080..U+009F). A name is printed in listings and typed in shells: a newline
// would fake an entry, an ESC or CSI would act on the terminal, and invalid UTF-8 cannot be
// shown or typed back. Empty on success, else why ("control character 0x0a").
std::string name_violation(std::string_view component);

// Printable form of untrusted input for error messages: escaped (common/escape.hpp), quotes as
// \x22, at most 200 bytes of it.
std::string quote_path(std::string_view path);

}  // namespace dfs::master
