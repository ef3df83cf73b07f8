#pragma once
// A request from a blocking actor (caf::scoped_actor) with a deadline that does not involve
// CAF's clock. In CAF 0.17 a request's timeout is an event on the clock thread that sends the
// requester a request_timeout error when it fires, even after the answer came: an event-based
// actor drops it, but a blocking actor keeps it in its mailbox, and every later receive walks
// past all of them. A long-lived scoped actor (a shell's session, a request-port connection)
// slowed down with every request (measured: 40,000 stats in one shell took 13.6 s, 5,000 took
// 0.75 s). Here the deadline is a timed wait on the actor's own mailbox instead. An answer that
// comes after the deadline stays in that mailbox: after a timeout, use a new actor.
#include <chrono>
#include <utility>

#include <caf/after.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/scoped_actor.hpp>

namespace dfs {

// Sends `xs...` to `dest` and runs `on_reply` or `on_error` (caf::error&) on the answer; false
// if none came within `timeout` (neither handler ran).
template <class OnReply, class OnError, class Dest, class... Ts>
bool request_within(caf::scoped_actor& self, std::chrono::milliseconds timeout, OnReply on_reply,
                    OnError on_error, const Dest& dest, Ts&&... xs) {
  auto h = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  bool answered = true;
  caf::blocking_actor::accept_one_cond rc;
  self->varargs_receive(
      rc, h.id(), std::move(on_reply), std::move(on_error),
      caf::after(timeout) >> [&] { answered = false; });
  return answered;
}

}  // namespace dfs
