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

// Rules: starts with '/', no NUL, no empty component (so no "//" and no trailing '/', except the
// root "/" itself), no "." or ".." component, each component <= 255 bytes, whole path <= 4096
// bytes. The error message names the path (escaped, truncated) and the rule it breaks.
result<parsed_path> parse_path(std::string_view path);

// Printable form of untrusted input for error messages: non-printable bytes as \xNN, at most
// 200 bytes of it.
std::string quote_path(std::string_view path);

}  // namespace dfs::master
