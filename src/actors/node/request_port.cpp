#include "actors/node/request_port.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <vector>

#include <poll.h>

#include <caf/all.hpp>

#include "actors/node/gatekeeper.hpp"
#include "actors/node/reply_inbox.hpp"
#include "common/logging.hpp"
#include "core/security/auth_token.hpp"
#include "core/security/server_token.hpp"
#include "proto/error_text.hpp"
#include "proto/request_wire.hpp"
#include "proto/wire.hpp"

namespace dfs {

namespace {

using proto::request_method;
using proto::request_status;

struct answer {
  request_status status = request_status::failed;
  std::string text;
  std::string body;
};

std::atomic<uint64_t> bad_requests{0};

void log_bad(const std::string& peer, const std::string& why) {
  auto n = ++bad_requests;
  // Counted always, logged sparingly: garbage on the port must not flood the log.
  if (n <= 10 || n % 1000 == 0)
    log::get("request")->warn("bad_request count={} peer=\"{}\" reason=\"{}\" action=close", n,
                              peer, why);
}

// The reply frame's contents for an actor's answer: a `Reply`, or an error.
using decode_fn = answer (*)(caf::actor_system&, caf::message&);

template <class Reply>
answer ok_answer(const Reply& r) {
  answer a{request_status::ok, {}, wire::encode(r)};
  if (a.body.size() + net::max_reply_message_bytes + 64 > net::max_frame_payload_bytes)
    return {request_status::too_large, "the answer does not fit a frame", {}};
  return a;
}

template <class Reply>
answer decode_answer(caf::actor_system& sys, caf::message& m) {
  answer a;
  if (m.match_elements<Reply>()) {
    return ok_answer(m.get_as<Reply>(0));
  } else if (m.match_elements<caf::error>()) {
    auto& e = m.get_as<caf::error>(0);
    a.text = error_text(sys, e);
    // A refusal (auth, a standby master) is final, as over CAF; the rest may pass.
    a.status = e == caf::sec::runtime_error ? request_status::refused : request_status::failed;
  } else {
    a.text = "the node gave an answer of the wrong type";
  }
  return a;
}

// A request on its way: the id its answer will carry and how to read that answer; or its
// answer already (`now`: a master read answered on this thread, nothing sent); neither when the
// body was malformed (nothing was sent).
struct sent {
  uint64_t id = 0;
  decode_fn decode = nullptr;
  std::optional<answer> now;
};

// Where a request goes: straight to this node's master or sequencer actor when the caller's
// certificate passes the node actor's rule for it (a client kind; any kind for the status),
// saving the relay's two hops per request (issue 17: a stat is a few tens of microseconds of
// work, and each hop costs a mailbox and often a wake-up); else through the node actor, whose
// refusals (wrong kind, role not here) the caller gets unchanged.
struct local_targets {
  master_actor master;            // null: not a master here, or the caller may not ask it
  master_reads* reads = nullptr;  // with `master`: reads answered on this thread
  ftqueue_actor ftqueue;          // null: not a fileserver here, or the caller may not ask it
  sequencer_inline* queue_fast = nullptr;  // with `ftqueue`: operations submitted on this thread
  master_actor status_master;              // null: not a master here
};

// `req` to the local actor when there is one, else to the node actor with the caller's token
// (the node actor takes the token first; the local master or sequencer actor the request alone).
template <class Reply, class Request, class Local, class Atom>
sent send_to(reply_inbox& inbox, const node_actor& node, const Local& local, Atom atom,
             const std::string& token, Request req) {
  if (local) return {inbox.request(local, atom, std::move(req)), &decode_answer<Reply>, {}};
  return {inbox.request(node, atom, token, std::move(req)), &decode_answer<Reply>, {}};
}

// One typed request, decoded from `body`.
template <class Reply, class Request, class Local, class Atom>
sent send_via(reply_inbox& inbox, const node_actor& node, const Local& local, Atom atom,
              const std::string& token, std::string_view body) {
  Request req;
  if (!wire::decode(body, req)) return {};
  return send_to<Reply>(inbox, node, local, atom, token, std::move(req));
}

// A read for the master: answered on this thread when the master actor is between messages
// and everything it applied is durable (master_reads.hpp), else sent like any other request.
template <class Request>
sent read_via(reply_inbox& inbox, const node_actor& node, const local_targets& local,
              const std::string& token, std::string_view body) {
  Request req;
  if (!wire::decode(body, req)) return {};
  if (local.reads != nullptr)
    if (auto r = local.reads->read(req)) return {0, nullptr, ok_answer(*r)};
  return send_to<ns_reply>(inbox, node, local.master, storage_atom::value, token, std::move(req));
}

// A mutation for the master: applied and logged on this thread when the master actor is
// between messages and everything it applied is durable (master_reads.hpp), else sent.
template <class Reply, class Request, class Atom>
sent apply_via(reply_inbox& inbox, const node_actor& node, const local_targets& local, Atom atom,
               const std::string& token, std::string_view body) {
  Request req;
  if (!wire::decode(body, req)) return {};
  if (local.reads != nullptr)
    if (auto r = local.reads->apply(req)) return {0, nullptr, ok_answer(*r)};
  return send_to<Reply>(inbox, node, local.master, atom, token, std::move(req));
}

// A namespace request: a read or a mutation, each tried on this thread first.
sent ns_via(reply_inbox& inbox, const node_actor& node, const local_targets& local,
            const std::string& token, std::string_view body) {
  ns_request req;
  if (!wire::decode(body, req)) return {};
  if (local.reads != nullptr) {
    if (auto r = local.reads->read(req)) return {0, nullptr, ok_answer(*r)};
    if (auto r = local.reads->apply(req)) return {0, nullptr, ok_answer(*r)};
  }
  return send_to<ns_reply>(inbox, node, local.master, storage_atom::value, token, std::move(req));
}

// A queue operation: submitted on this thread when the sequencer actor is between messages
// (sequencer_inline.hpp), else sent like any other request.
sent queue_via(reply_inbox& inbox, const node_actor& node, const local_targets& local,
               const std::string& token, std::string_view body) {
  queue_request req;
  if (!wire::decode(body, req)) return {};
  if (local.queue_fast) {
    auto id = inbox.next_id();
    if (local.queue_fast->submit(req, inbox.requester(), id))
      return {id, &decode_answer<queue_reply>, {}};
  }
  return send_to<queue_reply>(inbox, node, local.ftqueue, queue_atom::value, token, std::move(req));
}

sent dispatch(reply_inbox& in, const node_actor& node, const local_targets& local,
              const std::string& token, const proto::request_head& h) {
  auto s = storage_atom::value;
  const auto& m = local.master;
  const auto& b = h.body;
  switch (h.method) {
    case request_method::ns:
      return ns_via(in, node, local, token, b);
    case request_method::versions:
      return read_via<versions_request>(in, node, local, token, b);
    case request_method::trash:
      return send_via<ns_reply, trash_request>(in, node, m, s, token, b);
    case request_method::layout:
      return read_via<layout_request>(in, node, local, token, b);
    case request_method::stale_read:
      return read_via<stale_read_request>(in, node, local, token, b);
    case request_method::grow:
      return send_via<ns_reply, grow_request>(in, node, m, s, token, b);
    case request_method::lock:
      return send_via<lock_reply, lock_request>(in, node, m, s, token, b);
    case request_method::status:
      return send_via<status_reply, status_request>(in, node, local.status_master, s, token, b);
    case request_method::put:
      return send_via<put_plan, put_request>(in, node, m, put_atom::value, token, b);
    case request_method::commit:
      return apply_via<ns_reply, put_commit>(in, node, local, commit_atom::value, token, b);
    case request_method::lease:
      return send_via<lease_reply, lease_request>(in, node, m, lease_atom::value, token, b);
    case request_method::queue:
      return queue_via(in, node, local, token, b);
  }
  return {};
}

using clock = std::chrono::steady_clock;

// A request sent to an actor and not answered yet.
struct in_flight {
  uint64_t tag = 0;
  bool tagged = false;  // answered with a tagged_reply frame carrying `tag`
  clock::time_point deadline;
  decode_fn decode = nullptr;
  size_t bytes = 0;  // the request frame's payload
};

// An answer to write.
struct outgoing {
  uint64_t tag = 0;
  bool tagged = false;
  answer a;
};

// Requests, and their bytes, one connection may have in flight; past either the connection's
// next frames wait in the socket (the client's writes then block: backpressure, not memory).
// The byte bound keeps a connection near what one frame in flight allowed (1 MiB): 256 frames
// of 1 MiB each on every connection would be memory enough to end the node.
constexpr size_t max_in_flight = 256;
constexpr size_t max_in_flight_bytes = 4u << 20;

int ms_until(clock::time_point t) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(t - clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, INT32_MAX));
}

}  // namespace

request_port::request_port(caf::actor_system& sys, node_actor node, request_port_settings s)
    : sys_(sys), node_(std::move(node)), s_(std::move(s)) {
  if (s_.metrics) {
    port_in_ = &s_.metrics->port_bytes("request", "in");
    port_out_ = &s_.metrics->port_bytes("request", "out");
  }
}

void request_port::serve(net::frame_conn& conn) {
  auto kind = conn.peer_kind();
  auto name = conn.peer_name();
  if (!kind || name.empty()) {  // the data server's TLS verified it; a kind-less one is not ours
    conn.reply(static_cast<uint32_t>(request_status::refused),
               "the request port needs a certificate of the cluster CA with a kind");
    return;
  }
  security::server_token token(name, s_.token_key, s_.token_ttl_s, *kind);
  // The node actor's rules for the requests asked directly (node_actor.cpp): client
  // certificates for namespace, put, commit, lease, lock and queue requests, any for the status.
  local_targets local;
  local.status_master = s_.master;
  if (security::kind_allows(*kind, principal_kind::client)) {
    local.master = s_.master, local.ftqueue = s_.ftqueue;
    if (local.master) local.reads = s_.master_fast_reads.get();
    if (local.ftqueue) local.queue_fast = s_.ftqueue_fast.get();
  }
  reply_inbox inbox(sys_);
  std::unordered_map<uint64_t, in_flight> pending;  // by the inbox's request id
  std::vector<outgoing> out;
  net::counter_mark counted_in{port_in_}, counted_out{port_out_};
  auto count = [&] {  // after each round of writes, while the connection lives
    counted_in.advance(conn.bytes_read());
    counted_out.advance(conn.bytes_written());
  };
  size_t tagged_pending = 0;  // of `pending`
  size_t pending_bytes = 0;   // of `pending`
  auto room = [&] { return pending.size() < max_in_flight && pending_bytes < max_in_flight_bytes; };
  bool closing = false;  // a bad request: answer it and what is ready, then close
  // One frame in: a request sent on to its actor, or an answer right away.
  auto take_frame = [&](net::frame& f) {
    bool tagged = f.type == net::data_type::tagged_request;
    uint64_t tag = 0;
    std::string_view payload = f.payload;
    bool is_request = f.type == net::data_type::request || tagged;
    bool framed =
        f.type == net::data_type::request || (tagged && net::split_tag(f.payload, tag, payload));
    auto h = framed ? proto::decode_request(payload) : std::nullopt;
    sent s;
    if (h) s = dispatch(inbox, node_, local, token.at(unix_now_s()), *h);
    if (s.now) {
      out.push_back({tag, tagged, std::move(*s.now)});
      return;
    }
    if (!s.decode) {
      std::string why = !is_request ? "not a request frame"
                        : !h        ? "malformed request"
                                    : "malformed request body";
      log_bad(name, why);
      out.push_back({tag, tagged, {request_status::bad_request, why, {}}});
      closing = true;
      return;
    }
    auto t = std::clamp<uint32_t>(h->timeout_ms, 1, s_.max_timeout_ms);
    pending.emplace(s.id, in_flight{tag, tagged, clock::now() + std::chrono::milliseconds(t),
                                    s.decode, f.payload.size()});
    tagged_pending += tagged;
    pending_bytes += f.payload.size();
  };
  auto answered = [&](std::unordered_map<uint64_t, in_flight>::iterator it, answer a) {
    out.push_back({it->second.tag, it->second.tagged, std::move(a)});
    tagged_pending -= it->second.tagged;
    pending_bytes -= it->second.bytes;
    return pending.erase(it);
  };
  for (;;) {
    std::vector<reply_inbox::answer> answers;
    bool readable = false;
    if (pending.empty()) {
      // Nothing under way: block in the read, the socket's receive timeout being the port's
      // idle timeout (a silent connection ends).
      readable = true;
    } else {
      auto next = std::min_element(pending.begin(), pending.end(), [](auto& a, auto& b) {
                    return a.second.deadline < b.second.deadline;
                  })->second.deadline;
      if (tagged_pending == 0) {
        // Only plain requests under way: their caller sends nothing more until answered.
        answers = inbox.wait_until(next);
      } else {
        // Tagged requests under way: more may come while they are answered.
        bool can_read = room();
        bool buffered = can_read && conn.has_unread();
        pollfd fds[2] = {{inbox.fd(), POLLIN, 0},
                         {conn.fd(), static_cast<short>(can_read ? POLLIN : 0), 0}};
        int n = ::poll(fds, 2, buffered ? 0 : ms_until(next));
        if (n < 0 && errno != EINTR) return;
        if (n > 0 && fds[0].revents) answers = inbox.take();
        readable = buffered || (n > 0 && fds[1].revents);
      }
    }
    for (auto& ans : answers)
      if (auto it = pending.find(ans.id); it != pending.end())  // else: timed out already
        answered(it, it->second.decode(sys_, ans.content));
    auto now = clock::now();
    for (auto it = pending.begin(); it != pending.end();)
      it = it->second.deadline > now
               ? std::next(it)
               : answered(it, {request_status::failed, "the node did not answer in time", {}});
    // Every whole request already received, up to the in-flight bound: many clients' requests
    // arrive in one TLS record when their link multiplexes (net/mux_conn.hpp).
    if (readable) {
      bool tagged = false;
      do {
        net::frame f;
        if (conn.read(f) != net::frame_error::none) return;  // closed, idle, stalled or broken
        tagged = f.type == net::data_type::tagged_request;
        take_frame(f);
        // A plain request's answer carries no tag: the next one is read only after it is
        // answered, so a client that sends several at once still gets them in order.
      } while (tagged && !closing && room() && conn.has_unread());
      // The group packets of the queue operations submitted on this thread, together.
      if (local.queue_fast) local.queue_fast->flush();
    }
    for (size_t i = 0; i < out.size(); ++i) {
      auto& o = out[i];
      auto st = static_cast<uint32_t>(o.a.status);
      bool more = i + 1 < out.size();  // all in one flush
      bool ok = o.tagged ? conn.reply_tagged(o.tag, st, o.a.text, o.a.body, more)
                         : conn.reply(st, o.a.text, o.a.body, more);
      if (!ok) return;
    }
    if (!out.empty()) count();
    out.clear();
    if (closing) return;
  }
}

}  // namespace dfs
