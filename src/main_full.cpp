// dfsnode-full: every role (design.md §1): servers, the client shell and its CAF commands, the
// consoles and tools. `dfsnode` (src/main.cpp) runs a one-shot storage command itself and
// hands everything else to this binary with the same arguments (exec: same PID). main() only
// parses the command line and the config, then hands over to the server runtime or to a tool.
#include <sys/stat.h>

#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "client/admin_console.hpp"
#include "client/client_shell.hpp"
#include "common/config.hpp"
#include "common/file_modes.hpp"
#include "common/startup_trace.hpp"
#include "net/tls_context.hpp"
#include "roles/ca_tool.hpp"
#include "roles/role_table.hpp"
#include "roles/server.hpp"

namespace {

constexpr int usage_exit = 2;

int fail(const std::string& msg) {
  std::cerr << "dfsnode: error: " << msg << "\n";
  return usage_exit;
}

std::string roles_help() {
  std::string s = "ROLE[,ROLE...] with ROLE one of:";
  for (auto& r : dfs::role_table()) s += "\n  " + std::string(r.name) + ": " + r.help;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  dfs::startup_mark("main");
  dfs::net::ignore_sigpipe();  // before any thread: CAF's TLS links write without MSG_NOSIGNAL
  CLI::App app{"dfsnode: a distributed file system node (one binary, many roles)", "dfsnode"};
  std::string roles_arg, config_path, connect;
  std::vector<std::string> overrides, command;
  app.set_version_flag("--version", std::string("dfsnode ") + DFS_VERSION);
  app.add_option("--role", roles_arg, roles_help())->required();
  app.add_option("--config", config_path, "TOML config file (see config/reference.toml)");
  app.add_option("--set", overrides, "override a config key: section.key=value (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--connect", connect, "admin: HOST:PORT of the node to connect to");
  // Everything from the first positional on is the command, in order (e.g. `get F --version 2`):
  // no positional option, so prefix_command() leaves all of it to remaining().
  app.prefix_command();
  app.footer("client/admin: COMMAND [ARGS...] after the options (none: a shell)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(e.what());
  }
  for (auto& rest : app.remaining()) command.push_back(rest);

  std::vector<std::string> roles;
  dfs::config cfg;
  try {
    roles = dfs::parse_roles(roles_arg);
    cfg = dfs::load_config(config_path, overrides);
  } catch (const dfs::usage_error& e) {
    return fail(e.what());
  } catch (const dfs::config_error& e) {
    return fail(e.what());
  }
  dfs::startup_mark("config_loaded");
  if (roles.front() == "admin") {
    if (connect.empty()) return fail("--role admin needs --connect HOST:PORT");
    return dfs::run_admin(cfg, connect, command);
  }
  if (!connect.empty()) return fail("--connect is only for --role admin");
  if (roles.front() == "ca") return dfs::run_ca(command, cfg);
  if (roles.front() == "client") return dfs::run_client(cfg, command);
  if (!command.empty())
    return fail("unexpected argument '" + command.front() + "' for a server role");
  // A server's files are its own (common/file_modes.hpp), whatever umask it was started with;
  // set before any thread or file exists. Client tools keep the user's umask: what `get`
  // downloads is the user's file like any other.
  ::umask(dfs::node_umask);
  return dfs::run_server(cfg, roles);
}
