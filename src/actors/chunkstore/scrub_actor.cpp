#include "actors/chunkstore/scrub_actor.hpp"

#include <caf/all.hpp>

#include "common/text_table.hpp"
#include "storage/scrubber.hpp"

namespace dfs {

namespace {

std::string ago(core::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(core::clock::now() - t);
  return format_age_ms(ms.count()) + " ago";
}

std::string scrub_text(const scrubber& s) {
  auto p = s.progress();
  auto& o = s.options();
  std::string out =
      "rate " + std::to_string(o.bytes_per_s >> 20) + " MiB/s, a pass every " +
      std::to_string(std::chrono::duration_cast<std::chrono::hours>(o.pass_interval).count()) +
      " h\n";
  if (p.scanning)
    out += "pass in progress: " + std::to_string(p.chunks_done) + "/" +
           std::to_string(p.chunks_total) + " chunks, " + format_bytes(p.bytes_done) + " of " +
           format_bytes(p.bytes_total) + ", corrupt " + std::to_string(p.corrupt_this_pass) + "\n";
  if (p.last_pass_finished)
    out += "last pass: finished " + ago(*p.last_pass_finished) + ", took " +
           format_age_ms(
               std::chrono::duration_cast<std::chrono::milliseconds>(p.last_pass_took).count()) +
           "\n";
  else
    out += "last pass: none yet\n";
  out += "passes " + std::to_string(p.passes_done) + ", corrupt replicas found " +
         std::to_string(p.corrupt_total) + "\n";
  return out;
}

}  // namespace

admin_actor::behavior_type scrub_fn(admin_actor::pointer self, config cfg,
                                    std::shared_ptr<chunk_store> store) {
  chunkstore::scrub_options o;
  o.bytes_per_s = uint64_t{cfg.chunkserver.scrub_mib_s} << 20;
  o.pass_interval = std::chrono::hours(cfg.chunkserver.scrub_interval_h);
  auto s = std::make_shared<scrubber>(std::move(store), o);
  s->start();
  // The behavior holds the only reference: the thread stops when the actor goes, at shutdown.
  (void)self;
  return {
      [s](admin_atom, const admin_request&) {
        return admin_reply{0, scrub_text(*s)};
      },
  };
}

}  // namespace dfs
