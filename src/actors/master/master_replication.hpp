#pragma once
// One master's end of the replicated metadata log (issue 15): the protocol (core/replog::node),
// its disk (storage/replog_disk.hpp) and the committed state (committed_meta.hpp), wired
// together by the effects contract of core/replog/README.md. A plain class: the master actor
// owns one (master.replicas > 1), feeds it messages, ticks and proposals, and gets back the
// committed entries; messages to the other masters go out through `send_fn`.
//
// Disk writes are synchronous (one write + one fdatasync per log write, on the master actor's
// thread, like the single master's journal): every write of an effect is on disk before the
// messages of that effect are sent, which is stricter than the contract asks. A failed write
// leaves what is on disk unknown, so it is fatal: the process exits and restarts from its disk.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/master/committed_meta.hpp"
#include "common/config.hpp"
#include "core/replog/node.hpp"
#include "storage/replog_disk.hpp"

namespace dfs {

class master_replication {
 public:
  using send_fn = std::function<void(const endpoint& to, const replog::message& m)>;
  using fatal_fn = std::function<void(const std::string& why)>;  // must not return

  // Opens (or creates) the disk in `dir` and starts the node. A new disk is a genesis disk
  // with cfg.master.bootstrap, else a learner with a fresh incarnation (wall-clock ms).
  master_replication(const config& cfg, master::master_options opts, std::string dir, send_fn send,
                     fatal_fn fatal, core::time_point now);

  std::vector<replog::applied_entry> on_message(const endpoint& from, const replog::message& m,
                                                core::time_point now);
  std::vector<replog::applied_entry> on_tick(core::time_point now);
  struct proposed {
    replog::propose_status status = replog::propose_status::ok;
    uint64_t index = 0, term = 0;
    std::vector<replog::applied_entry> applied;  // a lone voter commits at once
  };
  proposed propose(std::string data, core::time_point now);
  // Leadership handover (core/replog README): to `target`, or (empty) the most up-to-date voter.
  replog::transfer_result transfer(const endpoint& target, core::time_point now);

  // The leader, and every entry of earlier terms is committed and applied (its no-op of this
  // term is): the committed state is complete, so a master core may start from it.
  bool ready_to_lead() const;
  const replog::node& node() const { return *node_; }
  const committed_meta& committed() const { return meta_; }
  const endpoint& self() const { return self_; }
  const std::vector<std::string>& startup_notes() const { return notes_; }
  uint64_t disk_syncs() const { return disk_.syncs(); }

 private:
  // Carries out `fx` (disk, then messages), then what on_persisted returns, collecting the
  // applied entries in order.
  void carry_out(replog::effects fx, core::time_point now,
                 std::vector<replog::applied_entry>& applied);

  endpoint self_;
  committed_meta meta_;
  replog_disk disk_;
  send_fn send_;
  fatal_fn fatal_;
  std::unique_ptr<replog::node> node_;
  std::vector<std::string> notes_;  // recovery warnings and how the disk was found
};

}  // namespace dfs
