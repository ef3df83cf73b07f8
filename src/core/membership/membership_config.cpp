#include "core/membership/membership_config.hpp"

namespace dfs::membership {

std::string membership_config::validate() const {
  if (protocol_period_ms == 0) return "protocol_period_ms: must be > 0";
  if (probe_timeout_ms == 0 || probe_timeout_ms >= protocol_period_ms)
    return "probe_timeout_ms: must be > 0 and < protocol_period_ms";
  if (!(suspicion_mult > 0)) return "suspicion_mult: must be > 0";
  if (suspicion_max_ms < suspicion_min_ms) return "suspicion_max_ms: must be >= suspicion_min_ms";
  if (gossip_interval_ms == 0) return "gossip_interval_ms: must be > 0";
  if (retransmit_mult == 0) return "retransmit_mult: must be > 0";
  if (max_piggyback == 0) return "max_piggyback: must be > 0";
  if (push_pull_interval_ms == 0) return "push_pull_interval_ms: must be > 0";
  if (reconnect_interval_ms == 0) return "reconnect_interval_ms: must be > 0";
  if (join_timeout_ms == 0) return "join_timeout_ms: must be > 0";
  if (max_members < 2) return "max_members: must be >= 2";
  return {};
}

}  // namespace dfs::membership
