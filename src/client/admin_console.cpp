#include "client/admin_console.hpp"

#include <cstdlib>
#include <iostream>

#include <caf/all.hpp>

#include "actors/admin/admin_actor.hpp"
#include "client/command_error.hpp"
#include "client/exit_now.hpp"
#include "client/line_reader.hpp"
#include "client/remote.hpp"
#include "client/shell_words.hpp"
#include "common/escape.hpp"
#include "net/tls_check.hpp"
#include "proto/system_setup.hpp"

namespace dfs {

namespace {

// The reply is the node's text, with names and ids from the whole cluster in it: each line is
// escaped unless it is printable already (tables escape their cells on the node), so nothing
// in it reaches the terminal as a control sequence.
int print_reply(const admin_reply& r) {
  if (r.status == admin_status_findings) {
    std::cout << escape_lines(r.text) << std::flush;
    return 1;
  }
  if (r.status != 0) {
    // Nodes end most error texts with a newline, as they end every reply: one line, not a "\n".
    std::string_view text = r.text;
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    std::cerr << "error: " << escape_lines(text) << "\n";
    return 1;
  }
  std::cout << escape_lines(r.text) << std::flush;
  return 0;
}

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + "/.dfsnode_admin_history" : std::string();
}

int interactive(caf::actor_system& sys, const remote_node& node, const endpoint& addr,
                std::chrono::milliseconds timeout) {
  line_reader in{"dfs " + addr.to_string() + "> ", history_path()};
  if (in.interactive())
    std::cout << "connected to " << addr.to_string() << "; 'help' lists commands, 'quit' exits\n";
  int last = 0;
  while (auto line = in.next()) {
    auto split = split_shell_words(*line);
    if (!split.error.empty()) {
      last = command_error(split.error);
      continue;
    }
    auto& args = split.words;
    if (args.empty()) continue;
    if (args[0] == "quit" || args[0] == "exit") break;
    last = print_reply(admin_call(sys, node, {args}, timeout));
  }
  return last;
}

}  // namespace

int run_admin(const config& cfg, const std::string& connect, const std::vector<std::string>& args) {
  auto addr = endpoint::parse(connect);
  if (!addr) {
    std::cerr << "dfsnode: error: --connect expects HOST:PORT, got '" << connect << "'\n";
    return 2;
  }
  if (auto why = net::check_tls_files(cfg); !why.empty()) {
    std::cerr << "dfsnode: error: " << why << "\n";
    return 2;
  }
  caf::actor_system_config caf_cfg;
  configure_actor_system(caf_cfg, cfg);
  caf::actor_system sys{caf_cfg};
  auto node = connect_node(sys, cfg, *addr);
  if (!node) {
    std::cerr << "dfsnode: error: " << error_text(sys, node.error()) << "\n";
    exit_now(1);
  }
  auto timeout = std::chrono::milliseconds(cfg.client.timeout_ms);
  if (!args.empty()) exit_now(print_reply(admin_call(sys, *node, {args}, timeout)));
  exit_now(interactive(sys, *node, *addr, timeout));
}

}  // namespace dfs
