#include "client/queue_client.hpp"

#include <random>
#include <thread>

#include <caf/all.hpp>

#include "client/remote.hpp"

namespace dfs {

uint64_t random_client_id() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t{rd()} << 32) ^ rd();
  return id;
}

queue_client::queue_client(caf::actor_system& sys, const config& cfg,
                           std::vector<endpoint> fileservers, queue_client_options opts)
    : sys_(sys),
      cfg_(cfg),
      servers_(std::move(fileservers)),
      conns_(servers_.size()),
      opts_(opts),
      client_id_(opts.client_id != 0 ? opts.client_id : random_client_id()) {
  // Spread clients over the fileservers.
  if (!servers_.empty()) current_ = client_id_ % servers_.size();
}

void queue_client::next_server() {
  current_ = (current_ + 1) % servers_.size();
  ++failovers_;
}

queue_client::outcome queue_client::attempt(const queue_request& req, bool& transport_error) {
  transport_error = false;
  auto& conn = conns_[current_];
  if (!conn) {
    auto h = connect_node(sys_, cfg_, servers_[current_], opts_.act_as);
    if (!h) {
      transport_error = true;
      return {queue_status::retry, 0, error_text(sys_, h.error())};
    }
    conn = *h;
  } else if (auto err = refresh_login(sys_, cfg_, conn, opts_.act_as)) {
    transport_error = true;
    conn = {};
    return {queue_status::retry, 0, error_text(sys_, err)};
  }
  outcome out{queue_status::retry, 0, "no reply"};
  caf::scoped_actor self{sys_};  // fresh per attempt: a late reply never meets a later request
  self->request(conn.actor, opts_.attempt_timeout, queue_atom::value, conn.token, req)
      .receive(
          [&](const queue_reply& r) {
            out = {r.status, r.value, r.error};
          },
          [&](caf::error& e) {
            transport_error = true;
            out = {queue_status::retry, 0,
                   e == caf::sec::request_timeout ? "request timed out" : error_text(sys_, e)};
          });
  if (transport_error) conn = {};  // reconnect next time (the node may have restarted)
  return out;
}

queue_client::outcome queue_client::call(ftqueue::op_code code, int64_t arg, int64_t item) {
  if (servers_.empty()) return {queue_status::failed, 0, "no fileservers configured"};
  queue_request req{client_id_, next_request_++, static_cast<uint8_t>(code), arg, item};
  auto deadline = std::chrono::steady_clock::now() + opts_.give_up_after;
  size_t refusals = 0;
  outcome last{queue_status::retry, 0, "no attempt"};
  while (std::chrono::steady_clock::now() < deadline) {
    bool transport_error = false;
    last = attempt(req, transport_error);
    switch (last.status) {
      case queue_status::ok:
      case queue_status::failed:
        return last;
      case queue_status::refused:
        // Every fileserver we know is outside the primary partition: report it.
        if (++refusals >= servers_.size()) return last;
        next_server();
        break;
      case queue_status::retry:
        refusals = 0;
        if (transport_error) {
          next_server();
          // Bounds the loop when every fileserver refuses connections.
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } else {
          // Lost in a view change or overloaded: the same fileserver will know soon.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        break;
    }
  }
  last.status = queue_status::retry;
  last.error =
      "gave up after " + std::to_string(opts_.give_up_after.count()) + " ms: " + last.error;
  return last;
}

}  // namespace dfs
