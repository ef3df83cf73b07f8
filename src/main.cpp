// dfsnode: the command line's front door (design.md §1). A one-shot storage command of the
// client role (put, get, ls, stat, rm, ...) runs here, in a binary that links neither CAF nor
// the servers, and OpenSSL statically: their symbol relocations were most of such a command's
// start (issue 17: exec to the first request 8 ms, target 5). Its requests go over the
// master's request port, written with proto/plain_wire.hpp (CAF's format, without CAF); what
// that port cannot carry goes through a helper process (client/proxy_master_fallback.hpp).
// Everything else (server roles, the shell, queue and admin commands, help, errors) is handed to
// `dfsnode-full` beside this binary, with the same arguments, by exec: same PID, same output.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "client/actor_system_ref.hpp"
#include "client/exit_now.hpp"
#include "client/proxy_master_fallback.hpp"
#include "client/storage_client.hpp"
#include "client/storage_commands.hpp"
#include "common/config.hpp"
#include "common/escape.hpp"
#include "common/startup_trace.hpp"
#include "net/tls_check.hpp"

namespace {

std::string full_binary() {
  char self[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "dfsnode-full";
  std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "dfsnode-full";
}

[[noreturn]] void run_full(char** argv) {
  auto path = full_binary();
  ::execv(path.c_str(), argv);
  std::cerr << "dfsnode: error: cannot run '" << path << "': " << std::strerror(errno) << "\n";
  std::_Exit(2);
}

struct lean_command {
  std::string config_path;
  std::vector<std::string> overrides, command;
};

// The command, when it is one this binary runs; nullopt hands it to dfsnode-full (which also
// reports every usage error, so the messages stay the same).
std::optional<lean_command> parse(int argc, char** argv) {
  CLI::App app{"dfsnode", "dfsnode"};
  std::string roles;
  std::string connect;
  lean_command c;
  app.set_version_flag("--version", std::string("dfsnode ") + DFS_VERSION);
  app.add_option("--role", roles)->required();
  app.add_option("--config", c.config_path);
  app.add_option("--set", c.overrides)->allow_extra_args(false);
  app.add_option("--connect", connect);
  app.prefix_command();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    std::exit(app.exit(e));  // as dfsnode-full prints it
  } catch (const CLI::Error&) {
    return std::nullopt;
  }
  c.command = app.remaining();
  if (roles != "client" || !connect.empty() || c.command.empty() ||
      !dfs::storage_commands().count(c.command.front()))
    return std::nullopt;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  dfs::startup_mark("main");
  auto lean = parse(argc, argv);
  if (!lean) run_full(argv);
  dfs::config cfg;
  try {
    cfg = dfs::load_config(lean->config_path, lean->overrides);
  } catch (const std::exception&) {
    run_full(argv);
  }
  // The CAF-only client and LAN discovery stay with the full binary.
  if (!cfg.client.request_port || cfg.cluster.discovery == "multicast") run_full(argv);
  dfs::startup_mark("config_loaded");
  auto error = [](const std::string& msg) {
    std::cerr << "error: " << (dfs::needs_escaping(msg) ? dfs::escape_unprintable(msg) : msg)
              << "\n";
    return 1;
  };
  dfs::net::init_openssl_for_cli();            // before any other use of OpenSSL
  std::shared_ptr<dfs::net::tls_context> tls;  // the session's context, loaded once
  // Parsed only if a handshake needs them: a command that resumes its session never does.
  if (auto why = dfs::net::check_tls_files(cfg, &tls, dfs::net::tls_load::on_demand); !why.empty())
    dfs::exit_now(error(why));
  if (auto why = dfs::net::keep_client_sessions(cfg, *tls); !why.empty())
    std::cerr << "warning: " << why << "\n";
  dfs::startup_mark("tls_files_checked");
  // The helper for the control port: the full binary with this command's config.
  std::vector<std::string> helper{full_binary(), "--role", "client"};
  if (!lean->config_path.empty()) helper.insert(helper.end(), {"--config", lean->config_path});
  for (auto& o : lean->overrides) helper.insert(helper.end(), {"--set", o});
  helper.push_back("control-proxy");
  dfs::actor_system_ref sys{
      [helper](const dfs::actor_system_ref&, const dfs::config&, const dfs::token_source&) {
        return std::make_unique<dfs::proxy_master_fallback>(helper);
      }};
  int code;
  try {
    dfs::storage_client client(sys, cfg);
    code = dfs::storage_commands().at(lean->command.front()).run(client, lean->command);
  } catch (const dfs::storage_error& e) {
    code = error(e.what());
  }
  dfs::startup_mark("command_done");
  dfs::exit_now(code);
}
