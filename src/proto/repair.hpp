#pragma once
// Messages between the master actor and its repair actor (core/master/repair_service.hpp).
// Local only: both actors live in the master's process, so these types are never serialized
// and are not registered for the wire (a remote peer cannot name these actors either).
#include <caf/allowed_unsafe_message_type.hpp>

#include "core/master/repair_service.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dfs::master::repair_update)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dfs::master::repair_answer)
