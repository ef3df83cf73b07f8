#include "roles/ca_tool.hpp"

#include <chrono>
#include <iostream>
#include <optional>

#include "common/certificates.hpp"
#include "common/parse_decimal.hpp"
#include "core/gateway/bearer.hpp"
#include "core/gateway/request_target.hpp"

namespace dfs {

namespace {

constexpr const char* usage =
    "usage: dfsnode --role ca init DIR\n"
    "       dfsnode --role ca issue DIR NAME --kind server|client|admin [--host H]...\n"
    "       dfsnode --role ca token NAME --kind client|admin [--ttl S] "
    "(needs cluster.key: --config or --set cluster.key_file=F)";

// A bearer token lives this long unless --ttl says otherwise.
constexpr int64_t default_token_ttl_s = 86400;

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

// A bearer token for the HTTP gateway (core/gateway/bearer.hpp), printed alone on stdout.
int token(const std::vector<std::string>& args, const config& cfg) {
  if (args.size() < 2) return usage_error("token needs NAME");
  std::optional<principal_kind> kind;
  int64_t ttl = default_token_ttl_s;
  for (size_t i = 2; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--kind" && has_value) {
      kind = parse_principal_kind(args[++i]);
      if (!kind || *kind == principal_kind::server)
        return usage_error("--kind must be client or admin");
    } else if (args[i] == "--ttl" && has_value) {
      auto t = parse_decimal<int64_t>(args[++i]);
      if (!t || *t <= 0 || static_cast<uint64_t>(*t) > gateway::max_token_ttl_s)
        return usage_error("--ttl must be 1.." + std::to_string(gateway::max_token_ttl_s) +
                           " seconds");
      ttl = *t;
    } else {
      return usage_error("unexpected argument '" + args[i] + "'");
    }
  }
  if (!kind) return usage_error("token needs --kind client|admin");
  if (args[1].empty() || args[1].size() > security::max_subject_bytes)
    return usage_error("NAME must be 1.." + std::to_string(security::max_subject_bytes) + " bytes");
  if (cfg.cluster.key.empty())
    return usage_error("token needs the cluster's key (cluster.key or cluster.key_file)");
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  security::auth_claims claims{*kind, args[1], static_cast<uint64_t>(now + ttl)};
  std::cout << security::sign_auth_token(claims, gateway::bearer_token_key(cfg.cluster.key))
            << "\n";
  return 0;
}

}  // namespace

int run_ca(const std::vector<std::string>& args, const config& cfg) {
  try {
    if (args.empty()) return usage_error("missing command");
    if (args[0] == "init") {
      if (args.size() != 2) return usage_error("init needs exactly DIR");
      pki::create_ca(args[1]);
      std::cout << "created CA " << args[1] << "/ca.crt (key ca.key, mode 0600)\n";
      return 0;
    }
    if (args[0] == "issue") return issue(args);
    if (args[0] == "token") return token(args, cfg);
    return usage_error("unknown command '" + args[0] + "'");
  } catch (const pki::pki_error& e) {
    std::cerr << "dfsnode: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace dfs
