#pragma once
// Carrying out what the protocol returns (gcs::effects): the image and the log to disk, packets
// into the per-peer outbox, client answers. Runs on the sequencer actor's thread, or on the
// socket thread between the actor's messages (sequencer_inline.hpp); `self` tells which.
#include <string>

#include "actors/gcs/sequencer.hpp"

namespace dfs {

// With `self` (the actor's thread): packets leave when the gcs_flush message the actor sends
// itself comes round, and answers go out as CAF delivers a promise. With nullptr (another
// thread, holding sequencer_inline's mutex): the caller flushes, and answers are enqueued
// without the actor's execution unit, which belongs to the actor's thread.
void carry_out(sequencer_state& st, gcs::effects fx, sequencer_self self);

// A client's queue operation: submitted to the member, answered through `p` once the protocol
// acknowledges it. A resend of an operation under way waits for the same answer.
void take_request(sequencer_state& st, const queue_request& req,
                  caf::typed_response_promise<queue_reply> p, sequencer_self self);

// Sends every peer's waiting packets, bundled (net/gcs_transport), on the calling thread.
void flush_outbox(sequencer_state& st);

// What reached the disk is unknown after a failed write or fsync: the process stops (exit 3)
// rather than acknowledge operations that may not be there; a restart recovers from what is.
[[noreturn]] void gcs_disk_failed(const std::string& why);

}  // namespace dfs
