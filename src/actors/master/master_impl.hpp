#pragma once
// The master actor's class: master_fn's behaviour with master_reads' mutex held while the actor
// starts and while it handles each message, so the request port's threads may read the core
// between two messages (mutex_held_actor.hpp).
#include "actors/master/master_actor.hpp"
#include "actors/master/master_reads.hpp"
#include "actors/mutex_held_actor.hpp"

namespace dfs {

using master_impl = mutex_held_actor<master_actor, master_state, master_reads>;

}  // namespace dfs
