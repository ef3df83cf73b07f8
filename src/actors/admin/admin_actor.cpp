#include "actors/admin/admin_actor.hpp"

#include "common/command_help.hpp"
#include "common/logging.hpp"
#include "common/principal.hpp"
#include "common/strings.hpp"
#include "common/text_table.hpp"

namespace dfs {

namespace {

admin_reply error_reply(std::string text) {
  return {1, std::move(text)};
}

std::string help_text(const admin_commands& commands) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"help", "list the commands of this node"},
      {"node", "id, roles, uptime, ports and version of this node"},
      {"log-level [LEVEL]", "show or set (admin) the log level (trace debug info warn error)"}};
  for (auto& [name, c] : commands)
    rows.push_back({c.usage, c.changes_state ? c.help + " (admin)" : c.help});
  return render_command_help(rows);
}

std::string node_text(const node_info& info) {
  auto up = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  info.started)
                .count();
  text_table t({"FIELD", "VALUE"});
  t.add({"id", info.id.to_string()});
  t.add({"roles", join(info.roles)});
  t.add({"uptime", format_age_ms(up)});
  t.add({"control", info.id.host + ":" + std::to_string(info.control_port) + " (tcp)"});
  t.add({"gossip", info.id.host + ":" + std::to_string(info.control_port) + " (udp)"});
  t.add({"data", info.id.host + ":" + std::to_string(info.data_port) + " (tcp)"});
  t.add({"multicast", info.id.host + ":" + std::to_string(info.multicast_port) + " (udp)"});
  t.add({"http", info.id.host + ":" + std::to_string(info.http_port) + " (tcp)"});
  t.add({"version", DFS_VERSION});
  return t.render();
}

bool is_admin(const admin_request& req) {
  return req.caller_kind == static_cast<uint8_t>(principal_kind::admin);
}

admin_reply needs_admin(const std::string& cmd) {
  return error_reply("permission denied: '" + cmd +
                     "' changes the node's state and needs an admin certificate");
}

admin_reply log_level(const std::vector<std::string>& args) {
  if (args.size() == 1) return {0, "log level: " + log::level() + "\n"};
  if (args.size() != 2 || !log::set_level(args[1]))
    return error_reply("usage: log-level [trace|debug|info|warn|error|critical|off]");
  log::get("admin")->info("log_level_changed level={}", args[1]);
  return {0, "log level: " + args[1] + "\n"};
}

}  // namespace

admin_actor::behavior_type admin_fn(admin_actor::pointer self, node_info info,
                                    admin_commands commands) {
  return {
      [=](admin_atom, const admin_request& req) -> caf::result<admin_reply> {
        if (req.args.empty() || req.args[0] == "help") return admin_reply{0, help_text(commands)};
        const auto& cmd = req.args[0];
        if (cmd == "node") return admin_reply{0, node_text(info)};
        if (cmd == "log-level") {
          if (req.args.size() > 1 && !is_admin(req)) return needs_admin(cmd);
          return log_level(req.args);
        }
        auto i = commands.find(cmd);
        if (i == commands.end())
          return error_reply("unknown command '" + cmd + "'; commands: " + [&] {
            std::string names = "help, node, log-level";
            for (auto& [name, c] : commands) names += ", " + name;
            return names;
          }());
        if (i->second.changes_state && !is_admin(req)) {
          log::get("auth")->warn("refused console command '{}' from a non-admin certificate", cmd);
          return needs_admin(cmd);
        }
        return self->delegate(i->second.target, admin_atom::value, req);
      },
  };
}

}  // namespace dfs
