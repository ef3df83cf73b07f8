#include "client/control_proxy.hpp"

#include <unistd.h>

#include <iostream>

#include "client/actor_system_ref.hpp"
#include "client/control_proxy_wire.hpp"
#include "client/master_fallback.hpp"

namespace dfs {

int run_control_proxy(const config& cfg) {
  actor_system_ref sys{std::make_shared<lazy_actor_system>(cfg)};
  auto fallback = sys.master_fallback_for(cfg, {});
  std::string frame;
  while (proxy_wire::read_frame(0, frame)) {
    auto req = proxy_wire::decode_request(frame);
    auto master = req ? endpoint::parse(req->master) : std::nullopt;
    if (!master) {
      std::cerr << "dfsnode: error: control-proxy: malformed request frame\n";
      return 2;
    }
    auto r = fallback->call(
        *master, req->method, req->body,
        std::chrono::steady_clock::now() + std::chrono::milliseconds(req->connect_ms),
        std::chrono::milliseconds(req->timeout_ms));
    if (!proxy_wire::write_frame(1, proxy_wire::encode(r))) return 0;  // the CLI is gone
  }
  return 0;
}

}  // namespace dfs
