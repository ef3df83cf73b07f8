#include "client/client_shell.hpp"

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>

#include <caf/all.hpp>

#include "actors/admin/admin_actor.hpp"
#include "client/actor_system_ref.hpp"
#include "client/command_error.hpp"
#include "client/completion.hpp"
#include "client/control_proxy.hpp"
#include "client/discover.hpp"
#include "client/exit_now.hpp"
#include "client/file_lock.hpp"
#include "client/line_reader.hpp"
#include "client/queue_client.hpp"
#include "client/queue_commands.hpp"
#include "client/remote.hpp"
#include "client/shell_words.hpp"
#include "client/storage_commands.hpp"
#include "common/command_help.hpp"
#include "common/escape.hpp"
#include "common/parse_decimal.hpp"
#include "common/startup_trace.hpp"
#include "common/text_table.hpp"
#include "core/master/leader_hint.hpp"
#include "net/tls_check.hpp"

namespace dfs {

namespace {

struct client_session {
  actor_system_ref sys;  // started by the first command that needs CAF
  const config& cfg;
  remote_node master;  // connected lazily
  // Created by the first storage command; holds actors, so the session must end before `sys`.
  std::unique_ptr<storage_client> storage;
  std::unique_ptr<queue_client> queues;  // made by the first queue command, like `storage`
  master::master_finder masters = master_finder_for(cfg);  // which master `status` asks
};

struct client_command {
  std::string usage;
  std::string help;
  std::function<int(client_session&, const std::vector<std::string>&)> run;
};

// Connects to a master: the current candidate, else the next ones (cluster.masters), each
// within client.timeout_ms; the last error if none can be reached.
bool ensure_master(client_session& s) {
  if (s.master) return true;
  std::string err;
  for (size_t i = 0; i < s.masters.size(); ++i) {
    auto m = connect_node(s.sys.get(), s.cfg, s.masters.current());
    if (m) {
      s.master = *m;
      return true;
    }
    err = error_text(s.sys.get(), m.error());
    s.masters.on_failure(master::leader_hint(err));
  }
  command_error(err);
  return false;
}

const std::map<std::string, client_command>& commands();

int cmd_help(client_session&, const std::vector<std::string>&) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto& [name, c] : commands()) rows.push_back({c.usage, c.help});
  std::cout << render_command_help(rows);
  return 0;
}

int cmd_status(client_session& s, const std::vector<std::string>&) {
  admin_reply r;
  // A standby names the active master (not_leader): ask that one, at most once per master.
  for (size_t asked = 0;; ++asked) {
    if (!ensure_master(s)) return 1;
    r = admin_call(s.sys.get(), s.master, {{"chunkservers"}},
                   std::chrono::milliseconds(s.cfg.client.timeout_ms));
    if (r.status == 0 || !master::is_not_leader(r.text) || asked + 1 >= s.masters.size()) break;
    s.master = {};
    s.masters.on_failure(master::leader_hint(r.text));
  }
  if (r.status != 0) return command_error(r.text);
  s.masters.on_success();
  // One master: the address as configured; several: the one that answered.
  auto who = s.cfg.cluster.masters.empty() ? s.cfg.master.address : s.masters.current().to_string();
  std::cout << "master " << who << "\n" << escape_lines(r.text);
  return 0;
}

const std::map<std::string, client_command>& commands() {
  static const std::map<std::string, client_command> table = [] {
    std::map<std::string, client_command> t = {
        {"help", {"help", "list the commands", cmd_help}},
        {"status", {"status", "the master's address and its chunkservers", cmd_status}},
        {"discover",
         {"discover", "servers answering on cluster.multicast_group (LAN discovery)",
          [](client_session& s, const std::vector<std::string>&) { return cmd_discover(s.cfg); }}},
        {"queue",
         {queue_usage,
          "replicated queue (FTQueue) operations on the fileservers; labels, ids and items are "
          "64-bit integers",
          [](client_session& s, const std::vector<std::string>& a) {
            return run_queue_command(s.sys.get(), s.cfg, a, s.queues);
          }}},
    };
    for (auto& [name, c] : storage_commands()) {
      auto run = c.run;
      t[name] = {c.usage, c.help, [run](client_session& s, const std::vector<std::string>& a) {
                   if (!s.storage) s.storage = std::make_unique<storage_client>(s.sys, s.cfg);
                   return run(*s.storage, a);
                 }};
    }
    return t;
  }();
  return table;
}

int run_one(client_session& s, const std::vector<std::string>& args) {
  auto i = commands().find(args[0]);
  if (i == commands().end()) {
    std::string names;
    for (auto& [n, c] : commands()) names += (names.empty() ? "" : ", ") + n;
    return command_error("unknown command '" + args[0] + "'; commands: " + names);
  }
  return i->second.run(s, args);
}

// `shell [--status-fd N]`: with N, fd N gets one line per command, its exit code, once the
// command is done (stdout flushed), so that a driver feeding commands through a pipe (scripts/
// bench smallfiles) can time them one at a time without parsing their output. -1: none.
int parse_shell_args(const std::vector<std::string>& args, int& status_fd) {
  status_fd = -1;
  if (args.size() == 1) return 0;
  if (args.size() == 3 && args[1] == "--status-fd") {
    auto fd = parse_decimal<int>(args[2]);
    if (fd && *fd > 2) {
      status_fd = *fd;
      return 0;
    }
  }
  return command_error("usage: shell [--status-fd N] (N > 2, an open descriptor)");
}

void report_status(int fd, int code) {
  if (fd < 0) return;
  std::cout.flush();
  std::fflush(stdout);
  auto line = std::to_string(code) + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    exit_now(command_error("cannot write to --status-fd: the driver is gone"));
}

}  // namespace

int run_client(const config& given, const std::vector<std::string>& args) {
  startup_mark("client_start");
  // The client-side TLS context this check loads is the one every connection of the session
  // uses (tls_context::shared): held here, it is loaded once.
  std::shared_ptr<net::tls_context> tls;
  if (auto why = net::check_tls_files(given, &tls); !why.empty()) return command_error(why);
  if (auto why = net::keep_client_sessions(given, *tls); !why.empty())
    std::cerr << "warning: " << why << "\n";
  // With LAN discovery the servers' addresses come from the multicast group, not the config.
  config cfg = given;
  bool discovering = !args.empty() && args[0] == "discover";
  auto need = !args.empty() && args[0] != "queue" ? discovery_need::master : discovery_need::all;
  if (cfg.cluster.discovery == "multicast" && !discovering)
    if (auto why = discover_servers(cfg, need); !why.empty()) return command_error(why);
  startup_mark("tls_files_checked");
  // The helper of a lean `dfsnode` (client/control_proxy.hpp), not a user's command.
  if (args.size() == 1 && args[0] == "control-proxy") exit_now(run_control_proxy(cfg));
  // Started only if a command needs CAF: the request ports serve the rest (issue 17).
  client_session s{actor_system_ref(std::make_shared<lazy_actor_system>(cfg)), cfg, {}, {}, {}};
  int status_fd = -1;
  if (!args.empty() && args[0] == "shell") {
    if (parse_shell_args(args, status_fd) != 0) exit_now(2);
    set_shell_session(true);  // `lock` holds until `unlock` or the end of the session
  } else if (!args.empty()) {
    auto code = run_one(s, args);
    startup_mark("command_done");
    exit_now(code);
  }
  const char* home = std::getenv("HOME");
  line_reader in{"dfs> ", home ? std::string(home) + "/.dfsnode_history" : ""};
  std::vector<std::string> names;
  for (auto& [n, c] : commands()) names.push_back(n);
  in.set_completer([&s, names](const std::string& word, size_t index) {
    return complete_word(word, index, names, [&s](const std::string& dir) {
      if (!s.storage) s.storage = std::make_unique<storage_client>(s.sys, s.cfg);
      std::vector<remote_child> out;
      for (auto& e : s.storage->ns(ns_op::list, dir).entries) out.push_back({e.name, e.is_dir});
      return out;
    });
  });
  int last = 0;
  while (auto line = in.next()) {
    auto split = split_shell_words(*line);
    if (!split.error.empty()) {
      last = command_error(split.error);
      report_status(status_fd, last);
      continue;
    }
    auto& words = split.words;
    if (words.empty()) {
      report_status(status_fd, 0);
      continue;
    }
    if (words[0] == "quit" || words[0] == "exit") break;
    last = run_one(s, words);
    report_status(status_fd, last);
  }
  release_session_locks();
  exit_now(last);
}

}  // namespace dfs
