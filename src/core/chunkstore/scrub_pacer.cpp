#include "core/chunkstore/scrub_pacer.hpp"

#include <algorithm>

namespace dfs::chunkstore {

core::time_point scrub_pacer::next_pass_at(core::time_point now) const {
  if (!p_.pass_started || !p_.last_pass_finished) return now;
  auto by_interval = *p_.pass_started + opts_.pass_interval;
  auto by_gap = *p_.last_pass_finished + opts_.min_gap;
  return std::max({now, by_interval, by_gap});
}

void scrub_pacer::start_pass(uint64_t chunks, uint64_t bytes, core::time_point now) {
  p_.scanning = true;
  p_.chunks_done = p_.bytes_done = p_.corrupt_this_pass = 0;
  p_.chunks_total = chunks;
  p_.bytes_total = bytes;
  p_.pass_started = now;
}

core::duration scrub_pacer::on_verified(uint64_t bytes, bool chunk_done, bool corrupt,
                                        core::time_point now) {
  p_.bytes_done += bytes;
  if (chunk_done) ++p_.chunks_done;
  if (corrupt) {
    ++p_.corrupt_this_pass;
    ++p_.corrupt_total;
  }
  if (opts_.bytes_per_s == 0 || !p_.pass_started) return core::duration::zero();
  // Where the pass may be by now at the configured rate; ahead of it, wait the difference.
  auto due = std::chrono::duration_cast<core::duration>(std::chrono::duration<double>(
      static_cast<double>(p_.bytes_done) / static_cast<double>(opts_.bytes_per_s)));
  auto elapsed = now - *p_.pass_started;
  return due > elapsed ? due - elapsed : core::duration::zero();
}

void scrub_pacer::finish_pass(core::time_point now) {
  p_.scanning = false;
  ++p_.passes_done;
  p_.last_pass_finished = now;
  p_.last_pass_took = p_.pass_started ? now - *p_.pass_started : core::duration::zero();
}

}  // namespace dfs::chunkstore
