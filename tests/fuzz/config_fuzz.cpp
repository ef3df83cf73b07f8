// Config files (common/config.hpp): TOML text from an operator or a deployment tool becomes one
// validated config before anything starts.
//
// Properties: parse_config returns a config or throws config_error, nothing else; a config it
// returns, printed key by key with config_value_literal, parses again to the same literals.
#include <map>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "common/config.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace dfs;

namespace {

// cluster.key_file makes the loader read a file the input names (/dev/stdin would block): the
// loader's file I/O is not what this harness is about, so such inputs are skipped.
bool names_key_file(std::string_view text) {
  try {
    auto tbl = toml::parse(text);
    auto cluster = tbl["cluster"].as_table();
    return cluster && cluster->contains("key_file");
  } catch (const toml::parse_error&) {
    return false;
  }
}

// Every key as TOML, one table per section (the schema does not list keys by section).
std::string print(const config& c) {
  std::map<std::string, std::string> sections;
  for (auto& key : config_keys()) {
    auto dot = key.find('.');
    sections[key.substr(0, dot)] +=
        key.substr(dot + 1) + " = " + config_value_literal(c, key) + "\n";
  }
  std::string out;
  for (auto& [name, body] : sections) out += "[" + name + "]\n" + body;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::as_view(data, size));
  if (names_key_file(text)) return 0;
  config c;
  try {
    c = parse_config(text, "fuzz.toml");
  } catch (const config_error&) {
    return 0;  // the documented failure: one line naming the file and key
  }
  auto printed = print(c);
  config again;
  try {
    again = parse_config(printed, "printed.toml");
  } catch (const config_error& e) {
    std::fprintf(stderr, "printed config does not parse: %s\n%s", e.what(), printed.c_str());
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(print(again) == printed);
  return 0;
}
