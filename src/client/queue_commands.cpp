#include "client/queue_commands.hpp"

#include <iostream>
#include <map>
#include <vector>

#include "client/command_error.hpp"
#include "client/queue_client.hpp"
#include "common/parse_decimal.hpp"

namespace dfs {

namespace {

struct op_syntax {
  ftqueue::op_code code;
  std::vector<const char*> operands;  // the integers after the operation name, as usage names them
};

const std::map<std::string, op_syntax>& ops() {
  using ftqueue::op_code;
  static const std::map<std::string, op_syntax> table = {
      {"create", {op_code::create, {"LABEL"}}}, {"destroy", {op_code::destroy, {"ID"}}},
      {"id", {op_code::id, {"LABEL"}}},         {"push", {op_code::push, {"ID", "ITEM"}}},
      {"pop", {op_code::pop, {"ID"}}},          {"top", {op_code::top, {"ID"}}},
      {"size", {op_code::size, {"ID"}}},
  };
  return table;
}

int print_outcome(ftqueue::op_code code, const queue_client::outcome& r) {
  if (r.status == queue_status::retry)
    return command_error(r.error + "; in a shell, 'queue again' asks for its outcome");
  if (!r.ok()) return command_error(r.error);
  if (code == ftqueue::op_code::push || code == ftqueue::op_code::destroy)
    std::cout << "ok\n";
  else
    std::cout << r.value << "\n";
  return 0;
}

}  // namespace

int run_queue_command(caf::actor_system& sys, const config& cfg,
                      const std::vector<std::string>& args, std::unique_ptr<queue_client>& client) {
  if (args.size() < 2) return command_error(std::string("usage: ") + queue_usage);
  if (args[1] == "again") {
    if (args.size() != 2) return command_error(std::string("usage: ") + queue_usage);
    if (!client || !client->in_doubt())
      return command_error(
          "queue again: no queue call of this shell ended 'outcome unknown' (it asks for the "
          "outcome of that call, the last one, with the same request number)");
    return print_outcome(client->last_code(), client->call_again());
  }
  auto i = ops().find(args[1]);
  if (i == ops().end() || args.size() != 2 + i->second.operands.size())
    return command_error(std::string("usage: ") + queue_usage);
  int64_t v[2] = {0, 0};
  for (size_t k = 0; k < i->second.operands.size(); ++k) {
    auto n = parse_decimal<int64_t>(args[2 + k]);
    // FTQueue's labels, ids and items are integers (its API), not names or text.
    if (!n)
      return command_error("queue " + args[1] + ": " + i->second.operands[k] +
                           " must be a 64-bit integer (labels, ids and items of FTQueue are "
                           "integers), not '" +
                           args[2 + k] + "'");
    v[k] = *n;
  }
  if (!client) {
    std::vector<endpoint> servers;
    for (auto& s : cfg.client.fileservers) servers.push_back(*endpoint::parse(s));
    if (servers.empty()) return command_error("no fileservers configured (client.fileservers)");
    // client.timeout_ms bounds each command, retries on other fileservers included.
    queue_client_options opts;
    opts.attempt_timeout = std::chrono::milliseconds(cfg.client.timeout_ms);
    opts.give_up_after = opts.attempt_timeout;
    client = std::make_unique<queue_client>(sys, cfg, servers, opts);
  }
  return print_outcome(i->second.code, client->call(i->second.code, v[0], v[1]));
}

}  // namespace dfs
