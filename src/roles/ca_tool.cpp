#include "roles/ca_tool.hpp"

#include <iostream>
#include <optional>

#include "common/certificates.hpp"

namespace dfs {

namespace {

constexpr const char* usage =
    "usage: dfsnode --role ca init DIR\n"
    "       dfsnode --role ca issue DIR NAME --kind server|client|admin [--host H]...";

int usage_error(const std::string& msg) {
  std::cerr << "dfsnode: error: " << msg << "\n" << usage << "\n";
  return 2;
}

int issue(const std::vector<std::string>& args) {
  if (args.size() < 3) return usage_error("issue needs DIR and NAME");
  std::optional<principal_kind> kind;
  std::vector<std::string> hosts;
  for (size_t i = 3; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--kind" && has_value) {
      kind = parse_principal_kind(args[++i]);
      if (!kind) return usage_error("--kind must be server, client or admin");
    } else if (args[i] == "--host" && has_value) {
      hosts.push_back(args[++i]);
    } else {
      return usage_error("unexpected argument '" + args[i] + "'");
    }
  }
  if (!kind) return usage_error("issue needs --kind server|client|admin");
  pki::issue_certificate(args[1], args[2], *kind, hosts);
  std::cout << "issued " << to_string(*kind) << " certificate " << args[1] << "/" << args[2]
            << ".crt (key " << args[2] << ".key, mode 0600)\n";
  return 0;
}

}  // namespace

int run_ca(const std::vector<std::string>& args) {
  try {
    if (args.empty()) return usage_error("missing command");
    if (args[0] == "init") {
      if (args.size() != 2) return usage_error("init needs exactly DIR");
      pki::create_ca(args[1]);
      std::cout << "created CA " << args[1] << "/ca.crt (key ca.key, mode 0600)\n";
      return 0;
    }
    if (args[0] == "issue") return issue(args);
    return usage_error("unknown command '" + args[0] + "'");
  } catch (const pki::pki_error& e) {
    std::cerr << "dfsnode: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace dfs
