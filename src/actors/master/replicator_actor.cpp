#include "actors/master/replicator_actor.hpp"

#include <caf/all.hpp>

namespace dfs {

replicator_actor::behavior_type replicator_fn(replicator_self self, master::hot_options opts) {
  self->state.hot = master::hot_chunks(opts);
  return {
      [=](hot_atom, const std::vector<chunk_reads>& reads) {
        auto now = core::clock::now();
        for (auto& r : reads)
          self->state.hot.on_reads(master::chunk_handle{r.handle}, r.reads, now);
      },
      [=](hot_atom) {
        auto& hot = self->state.hot;
        hot.on_tick(core::clock::now());  // windows close and cold chunks cool down on demand
        std::vector<uint64_t> out;
        for (auto h : hot.hot_list()) out.push_back(h.value);
        return out;
      },
  };
}

}  // namespace dfs
