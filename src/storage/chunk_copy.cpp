// chunk_store::copy_local: copy-on-write on the chunkserver's own disk (chunk_store.hpp).
#include <mutex>

#include "common/logging.hpp"
#include "storage/chunk_store.hpp"

namespace dfs {

namespace cs = chunkstore;

cs::result<cs::chunk_meta> chunk_store::copy_local(cs::chunk_handle from, cs::chunk_handle to,
                                                   uint64_t version) {
  if (from == to)
    return cs::make_error(cs::errc::invalid_argument,
                          "copy of chunk " + from.to_string() + " onto itself");
  // Both chunks' locks, in stripe order (one stripe: one lock), so that no write, version
  // update or delete of either runs under the copy, and two copies cannot deadlock.
  auto* a = &handle_mutex(from);
  auto* b = &handle_mutex(to);
  if (b < a) std::swap(a, b);
  std::unique_lock la(*a);
  std::unique_lock<std::mutex> lb;
  if (b != a) lb = std::unique_lock(*b);
  if (stat(to))
    return cs::make_error(cs::errc::exists, "chunk " + to.to_string() +
                                                " is already here; a copy never overwrites a "
                                                "replica");
  auto m = stat(from);
  if (!m) return cs::make_error(cs::errc::not_found, "no chunk " + from.to_string());
  if (version < m->chunk_version)
    return cs::make_error(cs::errc::invalid_argument, "copy of chunk " + from.to_string() +
                                                          " at version " + std::to_string(version) +
                                                          ", below its version " +
                                                          std::to_string(m->chunk_version));
  cs::result<std::string> data = cs::make_error(cs::errc::not_found, "");
  {
    std::shared_lock lk(files_mu_);
    data = files_.read(from, 0, m->length_bytes);  // every block verified
  }
  if (!data) {
    if (data.err().code == cs::errc::corrupt) {
      // Never copy (and so re-sign) bad bytes: this replica is bad, as for a read.
      ++corrupt_;
      log::get("chunkstore")
          ->error("corrupt_replica chunk={} error=\"{}\" action=set_aside", from.to_string(),
                  data.err().message);
      set_aside(from);
    }
    return data.err();
  }
  auto nm = files_.store(to, version, *data, m->format);  // tmp, fsync, rename
  if (!nm) return nm;
  if (auto r = sync_and_install(*nm); !r) return r.err();
  return nm;
}

}  // namespace dfs
