#pragma once
// The sequencer actor's class: sequencer_fn's behaviour with sequencer_inline's mutex held while
// the actor starts and while it handles each message, so the threads that receive its work may
// hand it to the member between two messages (mutex_held_actor.hpp).
#include "actors/gcs/sequencer.hpp"
#include "actors/gcs/sequencer_inline.hpp"
#include "actors/mutex_held_actor.hpp"

namespace dfs {

using sequencer_impl = mutex_held_actor<sequencer_actor, sequencer_state, sequencer_inline>;

}  // namespace dfs
