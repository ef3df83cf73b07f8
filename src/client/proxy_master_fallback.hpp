#pragma once
// The lean CLI's control port (src/main.cpp): the requests its master's request port cannot
// carry (an answer over a frame, client.request_port off at the master's end) go to a helper
// process, `dfsnode-full --role client ... control-proxy` (client/control_proxy.hpp), started
// on first need with the same config and options, over a pipe (client/control_proxy_wire.hpp).
// The helper runs the CAF client (caf_master_fallback) and ends when the pipe closes, i.e. with
// this process. Rare, so its start (~10 ms) is paid only when needed; nothing else changes for
// the command, which goes on in this process.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "client/master_fallback.hpp"

namespace dfs {

class proxy_master_fallback final : public master_fallback {
 public:
  // `command`: the helper's argv (argv[0] is the binary's path).
  explicit proxy_master_fallback(std::vector<std::string> command);
  ~proxy_master_fallback() override;
  proxy_master_fallback(const proxy_master_fallback&) = delete;
  proxy_master_fallback& operator=(const proxy_master_fallback&) = delete;

  result call(const endpoint& master, proto::request_method method, std::string_view body,
              std::chrono::steady_clock::time_point connect_by,
              std::chrono::milliseconds timeout) override;
  void reconnect() override {}  // the helper reconnects by itself

 private:
  // The helper running, else why not.
  std::string start();
  // Stops the helper (a late answer must not be read as the next one's).
  void stop();

  std::vector<std::string> command_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;  // the helper's stdin and stdout
};

}  // namespace dfs
