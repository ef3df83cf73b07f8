#include "client/queue_client.hpp"

#include <algorithm>
#include <random>
#include <set>
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
  if (cfg.client.request_port && !opts_.act_as) {
    try {
      requests_ = opts_.link ? opts_.link : std::make_shared<request_link>(cfg);
    } catch (const std::exception&) {
      // Unusable TLS files: the CAF path below names them in its error.
    }
  }
}

void queue_client::next_server() {
  current_ = (current_ + 1) % servers_.size();
  ++failovers_;
}

queue_client::outcome queue_client::attempt(const queue_request& req, clock::time_point deadline,
                                            transport& failure) {
  failure = transport::none;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  auto timeout = std::max(std::chrono::milliseconds(1), std::min(opts_.attempt_timeout, left));
  if (requests_) {
    queue_reply r;
    auto o = requests_->call(servers_[current_], queue_atom::value, req, timeout, r);
    if (o.kind == request_link::outcome::answered) return {r.status, r.value, r.error};
    if (o.kind != request_link::outcome::unusable) {  // as a CAF error below
      failure = o.kind == request_link::outcome::failed && !o.unsent ? transport::in_doubt
                                                                     : transport::unsent;
      return {queue_status::retry, 0, o.text};
    }
  }
  auto& conn = conns_[current_];
  if (!conn) {
    auto h = connect_node_until(sys_, cfg_, servers_[current_], deadline, opts_.act_as);
    if (!h) {
      failure = transport::unsent;
      return {queue_status::retry, 0, error_text(sys_, h.error())};
    }
    conn = *h;
  } else if (auto err = refresh_login(sys_, cfg_, conn, opts_.act_as)) {
    failure = transport::unsent;
    conn = {};
    return {queue_status::retry, 0, error_text(sys_, err)};
  }
  left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  timeout = std::max(std::chrono::milliseconds(1), std::min(opts_.attempt_timeout, left));
  outcome out{queue_status::retry, 0, "no reply"};
  caf::scoped_actor self{sys_};  // fresh per attempt: a late reply never meets a later request
  self->request(conn.actor, timeout, queue_atom::value, conn.token, req)
      .receive(
          [&](const queue_reply& r) {
            out = {r.status, r.value, r.error};
          },
          [&](caf::error& e) {
            failure = transport::in_doubt;
            out = {queue_status::retry, 0,
                   e == caf::sec::request_timeout
                       ? "no reply within " + std::to_string(timeout.count()) + " ms"
                       : error_text(sys_, e)};
          });
  if (failure != transport::none) conn = {};  // reconnect next time (the node may have restarted)
  return out;
}

queue_client::outcome queue_client::call(ftqueue::op_code code, int64_t arg, int64_t item) {
  last_request_ = queue_request{client_id_, next_request_++, static_cast<uint8_t>(code), arg, item};
  auto r = run(last_request_, false);
  in_doubt_ = r.status == queue_status::retry;
  return r;
}

queue_client::outcome queue_client::call_again() {
  // Once in doubt, in doubt until the group answers this request number: a fileserver outside
  // the primary partition refusing it now says nothing of the attempt that gave up (a chaos
  // run's power cut: two pushes in doubt, refused by `queue again`, were popped later).
  auto r = run(last_request_, in_doubt_);
  in_doubt_ = r.status == queue_status::retry;
  return r;
}

queue_client::outcome queue_client::run(const queue_request& req, bool in_doubt) {
  if (servers_.empty()) return {queue_status::failed, 0, "no fileservers configured"};
  auto deadline = clock::now() + opts_.give_up_after;
  outcome last{queue_status::retry, 0, "no attempt"};
  // Why each fileserver failed, in the order first tried. A definite answer (a refusal) is
  // kept over a later timeout cut short by the deadline.
  std::vector<std::pair<std::string, std::pair<std::string, bool>>> tried;
  auto note = [&](const std::string& why, bool definite) {
    auto addr = servers_[current_].to_string();
    for (auto& [a, w] : tried)
      if (a == addr) {
        if (definite || !w.second) w = {why, definite};
        return;
      }
    tried.push_back({addr, {why, definite}});
  };
  auto summary = [&] {
    std::string s;
    for (auto& [a, w] : tried) s += (s.empty() ? "" : "; ") + a + ": " + w.first;
    return s;
  };
  auto pause = [&](std::chrono::milliseconds d) {
    std::this_thread::sleep_until(std::min(deadline, clock::now() + d));
  };
  // Servers that refused (not primary) or could not be reached since the last answer that
  // promised progress: when that is every server and one refused, no primary is in reach.
  std::set<size_t> out_of_reach;
  bool any_refused = false;
  // An attempt (this run's, or `in_doubt`: an earlier run's) may have reached a fileserver and
  // the group applied the request: no primary in reach is then no answer, only the group's
  // answer to this request number is.
  auto no_primary = [&] {
    if (in_doubt) {
      out_of_reach.clear();
      any_refused = false;
      pause(std::chrono::milliseconds(50));  // paces the rounds until the group is back
      return false;
    }
    last.status = queue_status::refused;
    last.error = "no fileserver is in the primary partition (" + summary() + ")";
    return true;
  };
  while (clock::now() < deadline) {
    transport failure = transport::none;
    // While some fileserver has not been tried, one attempt takes at most an equal share of the
    // time left: a stopped one (its kernel accepts, nothing answers) must not use it all.
    size_t untried = servers_.size() - tried.size();
    auto now = clock::now();
    auto until = untried > 1 ? now + (deadline - now) / static_cast<int64_t>(untried) : deadline;
    last = attempt(req, until, failure);
    in_doubt = in_doubt || failure == transport::in_doubt;
    switch (last.status) {
      case queue_status::ok:
      case queue_status::failed:
        return last;
      case queue_status::refused:
        note(last.error, true);
        out_of_reach.insert(current_);
        any_refused = true;
        if (out_of_reach.size() >= servers_.size() && no_primary()) return last;
        next_server();
        break;
      case queue_status::retry:
        note(last.error, false);
        if (failure != transport::none) {
          out_of_reach.insert(current_);
          if (any_refused && out_of_reach.size() >= servers_.size() && no_primary()) return last;
          next_server();
          pause(std::chrono::milliseconds(10));  // bounds the loop when all refuse connections
        } else {
          // Lost in a view change or overloaded: the same fileserver will know soon. (Lost in
          // a view change, the group may still have applied it.)
          in_doubt = true;
          out_of_reach.clear();
          any_refused = false;
          pause(std::chrono::milliseconds(20));
        }
        break;
    }
  }
  last.status = queue_status::retry;
  last.error = "gave up after " + std::to_string(opts_.give_up_after.count()) +
               " ms (client.timeout_ms), outcome unknown; tried " + summary();
  return last;
}

}  // namespace dfs
