#pragma once
// The scrubber's actor: owns the chunkserver's background scrubber (storage/scrubber.hpp),
// configured from chunkserver.scrub_mib_s and chunkserver.scrub_interval_h, and answers the
// console's `scrub` (progress of the pass, the last pass, corrupt replicas found).
#include <memory>

#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/admin_actor.hpp"
#include "common/config.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

admin_actor::behavior_type scrub_fn(admin_actor::pointer self, config cfg,
                                    std::shared_ptr<chunk_store> store);

}  // namespace dfs
