#pragma once
// What a member keeps on disk with gcs_config::durable (issue 14): enough to rebuild, after any
// crash, a member that is indistinguishable from one that was cut off since its last write. The
// protocol (member.hpp) decides what must be durable when; the owner writes it (src/storage).
//
//   image (replaced atomically)           log (appended, group-committed)
//   --------------------------------      ---------------------------------------------
//   last_primary, pending INSTALL,        ordered entries seq > the image's snapshot_seq, in
//   max epoch seen, app snapshot at       seq order, of last_primary's view; a member counts
//   snapshot_seq, held entries above it   an entry towards a majority only once it is synced
//
//   view record (replaced atomically, belongs to the image before it): proposal accepted,
//   max epoch seen, pending INSTALL
//
// Rules the member follows (each closes a loss found by reasoning, proven in tests/sim/gcs):
// - A primary INSTALL is in the image (or a view record) before its INSTALL_ACK leaves:
//   whatever the coordinator commits, every member can still tell after a restart (the
//   pending-install rule).
// - The commit of a primary view is in the image before anything of the view is logged: a
//   synced entry of view V implies V committed here.
// - An accepted proposal is in the image (or a view record) before the FLUSH leaves (found by
//   the simulation: a restarted coordinator reused an epoch, and an uncommitted INSTALL of that
//   epoch then outranked the committed view, losing acknowledged operations).
// - STATUS reports held_upto only up to the synced prefix, so "delivered once a majority holds
//   it" means "once a majority has it on disk": an acknowledged operation survives any crash
//   that a majority of the view's members' disks survive.
#include <cstdint>
#include <string>
#include <vector>

#include "core/gcs/messages.hpp"

namespace dfs::gcs {

struct durable_image {
  view_desc last_primary;
  bool has_pending = false;
  install_msg pending;  // a primary INSTALL acknowledged, never seen committed
  // The highest proposal accepted (FLUSH sent): a restarted member must still refuse older
  // ones, and propose above every epoch it took part in, or an epoch could name two views.
  view_id accepted;
  uint64_t max_epoch = 0;
  uint64_t snapshot_seq = 0;
  std::string snapshot;            // replicated_state::snapshot() after snapshot_seq
  std::vector<log_entry> entries;  // held above snapshot_seq, contiguous

  bool has_history() const { return !last_primary.id.empty() || has_pending; }
  friend bool operator==(const durable_image& a, const durable_image& b) {
    return a.last_primary == b.last_primary && a.has_pending == b.has_pending &&
           a.pending == b.pending && a.accepted == b.accepted && a.max_epoch == b.max_epoch &&
           a.snapshot_seq == b.snapshot_seq && a.snapshot == b.snapshot && a.entries == b.entries;
  }
};

// What a view change promised, kept beside the image when only that changed: the highest
// proposal accepted and the primary INSTALL acknowledged (the rules above). A member
// writes one instead of a whole image when it accepts a proposal or acknowledges an INSTALL
// (its state is frozen then, so the image it has still holds it): with a large queue each
// image took ~150 ms, on the path of every view change. It belongs to the image it was written
// after; the next image holds all of it and supersedes it.
struct view_record {
  view_id accepted;
  uint64_t max_epoch = 0;
  bool has_pending = false;
  install_msg pending;

  friend bool operator==(const view_record& a, const view_record& b) {
    return a.accepted == b.accepted && a.max_epoch == b.max_epoch &&
           a.has_pending == b.has_pending && a.pending == b.pending;
  }
};

// The image a restarted member starts from: `image` plus the synced log entries that continue
// it (seq > the highest seq so far, contiguous; anything else is a tail of an older lineage).
durable_image recovered_image(durable_image image, const std::vector<log_entry>& log);
// `image` with a record written after it: the record is the newer word on the proposal
// accepted and the pending INSTALL.
void apply_view_record(durable_image& image, const view_record& record);

}  // namespace dfs::gcs
