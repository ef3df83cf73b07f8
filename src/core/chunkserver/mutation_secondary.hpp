#pragma once
// mutation_secondary: a secondary replica's side of chunk mutations (GFS §3.1). It applies the
// mutations of each chunk strictly in the primary's serial order, one at a time, and
// acknowledges each only once it is durable. Pure: the owner passes time in, carries out the
// disk applies (each made durable together with (version, serial) as the chunk's last applied
// mutation) and reports their outcome with on_applied().
//
// Per chunk, with `applied` = the last durable serial of the known version:
//
//   mutation(v, s) ─ v < version ─────────────▶ refused: stale_primary (never applied)
//        │          v > version ─────────────▶ adopt v (a newer lease), applied = 0
//        │          s <= applied ────────────▶ ack again (duplicate, not reapplied)
//        │          s == applied + 1 ────────▶ apply ──durable──▶ ack, apply s + 1 if held
//        │          s >  applied + 1 ────────▶ held (at most max_held_per_chunk); a gap open
//        │                                     for gap_timeout ──▶ resend_request to the
//        │                                     primary; after max_resend_requests, or when
//        │                                     the primary says mutation_gone: held dropped
//        ▼
//   out of sync (refuses everything, the master re-replicates) ◀── disk failure
//
// Choice for gaps: ask the primary again (it also resends on its own), since a lost message
// is the common cause. A gap that cannot fill (the primary's lease ended or it restarted: it
// answers mutation_gone; or it stays mute) ends with the held mutations dropped, not with
// the replica declared out of sync: a client is told ok only once every replica applied its
// serial, and replicas apply without gaps, so nothing past a gap was ever acknowledged; those
// clients were told of a failure and retry under the next lease, whose newer version this
// replica adopts. (Waiting is bounded: max_held_per_chunk, one request per gap_timeout.)
// A mutation whose pushed data is missing here is answered data_missing and not applied; the
// client pushes again and retries, and the primary's resend then applies it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/chunkserver/mutation_messages.hpp"
#include "core/master/messages.hpp"
#include "core/time.hpp"

namespace dfs::chunkserver {

struct secondary_options {
  size_t max_held_per_chunk = 64;  // mutations ahead of a gap; more are dropped (resent later)
  core::duration gap_timeout = std::chrono::seconds(1);
  uint32_t max_resend_requests = 3;  // per gap, then what is held is dropped
};

struct ack_to {
  endpoint to;
  mutation_ack ack;
};
struct resend_to {
  endpoint to;
  resend_request request;
};

struct secondary_effects {
  std::vector<disk_apply> apply;  // at most one per chunk at a time; report with on_applied()
  std::vector<ack_to> acks;
  std::vector<resend_to> resend_requests;
  std::vector<version_update> set_versions;  // adopted from a newer primary: store them
  std::vector<uint64_t> out_of_sync;         // tell the master: this replica is stale
  std::vector<std::string> events;
};

class mutation_secondary {
 public:
  explicit mutation_secondary(secondary_options opts = {}) : opts_(opts) {}

  // What the chunk store holds (at start, after a copy, when the master sets a version):
  // the chunk's version and the last serial of that version applied to it (0: none).
  void load(uint64_t handle, uint64_t chunk_version, uint64_t applied_serial);
  void forget(uint64_t handle) { chunks_.erase(handle); }

  [[nodiscard]] secondary_effects on_mutation(const endpoint& from, const mutation& m,
                                              core::time_point now);
  [[nodiscard]] secondary_effects on_applied(const mutation& m, apply_result result,
                                             core::time_point now);
  [[nodiscard]] secondary_effects on_gone(const endpoint& from, const mutation_gone& g,
                                          core::time_point now);
  [[nodiscard]] secondary_effects on_tick(core::time_point now);

  std::optional<uint64_t> version(uint64_t handle) const;
  std::optional<uint64_t> applied(uint64_t handle) const;
  size_t held(uint64_t handle) const;
  bool out_of_sync(uint64_t handle) const;

 private:
  struct chunk_state {
    uint64_t chunk_version = 0;
    uint64_t applied = 0;
    std::optional<uint64_t> applying;  // serial at the disk now
    std::map<uint64_t, mutation> held;
    endpoint primary;
    std::optional<core::time_point> gap_since;
    uint32_t resend_requests = 0;
    bool out_of_sync = false;
  };

  void ack(const chunk_state& c, const mutation& m, ack_status s, secondary_effects& fx) const;
  void apply_next(chunk_state& c, core::time_point now, secondary_effects& fx);
  void drop_held(uint64_t handle, chunk_state& c, const std::string& why, secondary_effects& fx);
  void lose(uint64_t handle, chunk_state& c, const std::string& why, secondary_effects& fx);

  secondary_options opts_;
  std::map<uint64_t, chunk_state> chunks_;
};

}  // namespace dfs::chunkserver
