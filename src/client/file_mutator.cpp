#include "client/file_mutator.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "common/crc32c.hpp"
#include "common/random_id.hpp"

namespace dfs {

namespace cs = chunkserver;
using net::endpoint_of;
using clock = std::chrono::steady_clock;

namespace {

// Request numbers of this process's mutations (the primaries remember answers by client id
// and request number).
uint64_t next_request_number() {
  static std::atomic<uint64_t> n{0};
  return ++n;
}

// The pause before retry `attempt` (1, 2, ...): 50 ms doubling to 1 s.
std::chrono::milliseconds backoff(int attempt) {
  return std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt, 5)));
}

// A lease may take a while: the previous one must run out, a shared chunk is copied first
// (copy-on-write), a snapshot waits: asking again is right for everything but bad requests.
bool retryable(master::errc c) {
  using master::errc;
  return c != errc::not_found && c != errc::invalid_path && c != errc::invalid_argument &&
         c != errc::is_a_directory && c != errc::not_a_directory;
}

}  // namespace

file_mutator::file_mutator(storage_client& c) : c_(c) {}

clock::time_point file_mutator::deadline() const {
  // Long enough for a lease held by a dead primary to run out (lease.duration_ms) and a new
  // one to be granted, however short the client's per-request timeout.
  auto& cfg = c_.cfg();
  auto ms = std::max<uint64_t>(uint64_t{4} * cfg.client.timeout_ms,
                               uint64_t{2} * cfg.lease.duration_ms + cfg.client.timeout_ms);
  return clock::now() + std::chrono::milliseconds(ms);
}

const lease_reply& file_mutator::lease(const std::string& remote, uint64_t index, bool fresh) {
  auto key = std::make_pair(remote, index);
  auto now = clock::now();
  if (auto it = leases_.find(key); !fresh && it != leases_.end() && now < it->second.until)
    return it->second.lease;
  auto l = c_.lease(remote, index);
  // Used until shortly before it ends by the master's clock (the reply took some of it).
  auto until = now + std::chrono::milliseconds(l.expires_in_ms * 9 / 10);
  return leases_[key] = {std::move(l), until}, leases_[key].lease;
}

file_mutator::piece_result file_mutator::mutate(const std::string& remote, const ns_reply& layout,
                                                uint64_t index, cs::client_op op, uint64_t offset,
                                                std::string_view bytes) {
  auto chunk_size = layout.versions.at(0).chunk_size_bytes;
  cs::client_request q;
  q.client_id = storage_client::process_client_id();
  q.request_number = next_request_number();
  q.op = op;
  q.offset = offset;
  q.length = bytes.size();
  q.data = chunkstore::data_id{random_id()};
  q.chunk_size_bytes = chunk_size;
  bool fresh = false, push = true;
  // An attempt the primary may have applied (in flight, failed part-way, no answer): GFS's
  // "failure: inconsistent", so giving up says so.
  bool in_doubt = false;
  std::string why = "no attempt";
  auto until = deadline();
  for (int attempt = 1; clock::now() < until; ++attempt) {
    if (attempt > 1) std::this_thread::sleep_for(backoff(attempt));
    const lease_reply* l = nullptr;
    try {
      l = &lease(remote, index, fresh);
    } catch (const storage_error& e) {
      if (!retryable(e.code)) throw;
      if (e.code == master::errc::inline_refused)  // a new small version came meanwhile
        chunked_layout(remote);
      why = e.what();
      fresh = true;
      continue;
    }
    fresh = false;
    std::vector<net::data_endpoint> chain{endpoint_of(l->primary)};
    q.secondaries.clear();
    for (auto& s : l->secondaries) {
      chain.push_back(endpoint_of(s));
      q.secondaries.push_back({s.id.host, s.data_port});
    }
    q.handle = l->handle;
    // A replica the master no longer knows (dead or restarting) has no data port: the lease
    // cannot take mutations; the next one leaves that replica out (the master grants it to the
    // same primary at once when enough replicas are live, else when this one ends).
    std::vector<replica_addr> members{l->primary};
    members.insert(members.end(), l->secondaries.begin(), l->secondaries.end());
    auto gone = std::find_if(members.begin(), members.end(),
                             [](const replica_addr& r) { return r.data_port == 0; });
    if (gone != members.end()) {
      why = "replica " + gone->id.to_string() +
            " of the chunk's lease is gone; waiting for the next lease, which leaves it out";
      fresh = true;
      continue;
    }
    bool in_doubt_if_lost = false;  // an I/O error now: the primary may have the request
    try {
      if (push) {
        auto r = net::push_held(c_.data_pool(), chain, q.data.value, l->handle, l->chunk_version,
                                l->token, bytes);
        if (r.stored.size() < chain.size()) {
          why = "the data reached " + std::to_string(r.stored.size()) + " of " +
                std::to_string(chain.size()) + " replicas (" + r.errors + ")";
          fresh = true;  // a replica may be gone: the next lease will not name it
          continue;
        }
        push = false;
      }
      in_doubt_if_lost = true;
      auto r = net::mutate(c_.data_pool(), chain[0], q, l->token);
      in_doubt_if_lost = false;
      why = std::string("primary ") + chain[0].text() + " answered " + cs::to_string(r.status);
      switch (r.status) {
        case cs::mutation_status::ok:
          return {r.offset, false};
        case cs::mutation_status::retry_next_chunk:
          return {0, true};
        case cs::mutation_status::too_large:
          throw storage_error("chunk " + std::to_string(index) + " of " + remote + ": " + why);
        case cs::mutation_status::lease_expired:  // fails what was in flight, maybe part-applied
          in_doubt = true;
          [[fallthrough]];
        case cs::mutation_status::not_primary:
          fresh = push = true;  // a new lease may name other replicas or a newer version
          break;
        case cs::mutation_status::data_missing:
          push = true;
          break;
        case cs::mutation_status::failed:
        case cs::mutation_status::timeout:
          // The same request again: it joins the one in flight, or is ordered anew. Through
          // the master's lease of now: a replica of the cached one may have restarted (it
          // cannot follow serials ordered before) or be gone, and the master then grants the
          // primary a new lease that names its new incarnation or leaves it out.
          in_doubt = true;
          fresh = push = true;
          break;
        case cs::mutation_status::busy:
          in_doubt = true;
          break;  // the same request again: it joins the one in flight, or is ordered anew
      }
    } catch (const net::data_error& e) {
      why = e.what();
      in_doubt = in_doubt || in_doubt_if_lost;
      fresh = push = true;  // an unreachable replica, or a capability for an older version
    }
  }
  storage_error e("chunk " + std::to_string(index) + " of " + remote +
                  " could not be mutated in time: " + why);
  // Running it again from a new process writes it again (an append: a second record).
  throw in_doubt ? e.in_doubt("it may have been applied on some or all replicas") : e;
}

ns_reply file_mutator::chunked_layout(const std::string& remote) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto l = c_.layout_now(remote);
    if (l.inline_data.empty()) return l;
    c_.materialize(remote, l);
  }
  throw storage_error(remote + ": could not store it as chunks (another writer keeps changing it)");
}

ns_reply file_mutator::with_chunks(const std::string& remote, uint64_t count) {
  for (int attempt = 0;; ++attempt) {
    auto l = chunked_layout(remote);
    if (l.versions.empty()) throw storage_error(remote + " has no version");
    auto have = l.chunks.size();
    if (have >= count) return l;
    auto& v = l.versions[0];
    if (attempt >= 3)
      throw storage_error(remote + ": could not add chunks (another writer keeps changing it)");
    auto plan = c_.plan_put(remote, (count - have) * v.chunk_size_bytes, v.chunk_size_bytes);
    if (plan.chunks.size() != count - have || plan.chunk_size_bytes != v.chunk_size_bytes)
      throw storage_error(remote + ": the master planned " + std::to_string(plan.chunks.size()) +
                          " chunks for " + std::to_string(count - have));
    grow_request g{remote, v.number, 0, have, {}, 0};
    for (auto& ch : plan.chunks) {
      std::vector<net::data_endpoint> chain;
      for (auto& r : ch.replicas) chain.push_back(endpoint_of(r));
      auto pushed = net::push_chunk(c_.data_pool(), chain, random_id(), ch.handle, ch.chunk_version,
                                    ch.token, {});
      ns_chunk made = ch;
      made.size_bytes = 0;
      made.crc32c = crc32c(std::string_view{});
      made.token.clear();
      made.replicas.clear();
      for (auto& r : ch.replicas)
        if (std::find(pushed.stored.begin(), pushed.stored.end(), endpoint_of(r).text()) !=
            pushed.stored.end())
          made.replicas.push_back(r);
      g.chunks.push_back(std::move(made));
    }
    try {
      c_.grow(g);
    } catch (const storage_error& e) {
      if (e.code != master::errc::conflict) throw;  // a new version meanwhile: look again
    }
  }
}

void file_mutator::grow_size(const std::string& remote, uint64_t version, uint64_t size) {
  c_.grow({remote, version, size, 0, {}, 0});
}

uint64_t file_mutator::write(const std::string& remote, uint64_t offset, std::string_view data) {
  if (data.empty()) throw storage_error("write: nothing to write");
  auto l = chunked_layout(remote);
  if (l.versions.empty()) throw storage_error(remote + " has no version");
  uint64_t chunk = l.versions[0].chunk_size_bytes;
  if (chunk == 0) throw storage_error(remote + ": unknown chunk size");
  uint64_t end = offset + data.size();
  if (end < offset) throw storage_error("write: offset + length overflows");
  l = with_chunks(remote, (end - 1) / chunk + 1);
  // A failure after some bytes went in says which: the write is not all or nothing (GFS), and
  // running it again is how to finish it (the same bytes in the same place).
  for (uint64_t pos = offset; pos < end;) {
    uint64_t index = pos / chunk, in = pos % chunk;
    uint64_t n = std::min(end - pos, chunk - in);
    try {
      mutate(remote, l, index, cs::client_op::write, in, data.substr(pos - offset, n));
    } catch (const storage_error& e) {
      if (pos == offset) throw;
      throw e.with_more("; bytes " + std::to_string(offset) + " to " + std::to_string(pos - 1) +
                        " are written (running the same write again finishes it)");
    }
    pos += n;
  }
  auto& v = l.versions[0];
  if (end > v.size_bytes) {
    // The chunk the file ended in grows too (zeros up to where the write starts): a lease
    // copies it first if another version (a snapshot) shares it.
    uint64_t last = v.size_bytes == 0 ? 0 : (v.size_bytes - 1) / chunk;
    try {
      if (v.size_bytes % chunk != 0 && last < offset / chunk) lease(remote, last, false);
      grow_size(remote, v.number, end);
    } catch (const storage_error& e) {
      throw e.with_more(
          "; the bytes are written on every replica, but the master did not confirm "
          "the file's new size of " +
          std::to_string(end) + " bytes: readers may see only the first " +
          std::to_string(v.size_bytes) + " (running the same write again finishes it)");
    }
  }
  return std::max(end, v.size_bytes);
}

uint64_t file_mutator::append(const std::string& remote, std::string_view record) {
  if (record.empty()) throw storage_error("append: an empty record");
  auto cached = layouts_.find(remote);
  auto l = cached != layouts_.end() ? cached->second : chunked_layout(remote);
  if (l.versions.empty()) throw storage_error(remote + " has no version");
  uint64_t chunk = l.versions[0].chunk_size_bytes;
  if (record.size() > chunk / 4)
    throw storage_error("append: a record of " + std::to_string(record.size()) +
                        " bytes is over a quarter of the chunk size (" + std::to_string(chunk) +
                        " bytes)");
  if (l.chunks.empty()) l = with_chunks(remote, 1);
  uint64_t index = l.chunks.size() - 1;
  for (;;) {
    auto r = mutate(remote, l, index, cs::client_op::append, 0, record);
    if (!r.next_chunk) {
      uint64_t at = index * chunk + r.offset;
      auto& [version, end] = appended_[remote];
      if (version != l.versions[0].number) end = 0;
      version = l.versions[0].number;
      end = std::max(end, at + record.size());
      layouts_[remote] = std::move(l);
      // Readers see records once the master's size covers them: tell it now and then, not
      // after every record (one logged grow per flush_interval at most). The record is
      // appended whatever this says: a failure here is left to the next flush(), which the
      // caller runs and reports, since failing the append would have it appended again.
      if (clock::now() - last_flush_ >= flush_interval) {
        try {
          flush();
        } catch (const storage_error&) {
          last_flush_ = clock::now();
        }
      }
      return at;
    }
    l = with_chunks(remote, index + 2);  // this chunk is full (padded): the next one
    ++index;
  }
}

void file_mutator::flush() {
  // Appends lease by path, so their records are in the newest version's chunks, whichever it
  // is now (a snapshot taken meanwhile is newer than the layout they started from): grow that.
  for (auto& [path, ve] : appended_) grow_newest(path, ve.second);
  appended_.clear();
  last_flush_ = clock::now();
}

// Records appended before a snapshot but not yet covered by the master's size are in chunks
// the snapshot now shares with the newest version, which the master lets grow only once a lease
// has copied them (copy-on-write; until then it answers conflict, "lease it first"). So lease
// every chunk the size grows into, then grow again.
void file_mutator::grow_newest(const std::string& remote, uint64_t size) {
  std::string why;
  auto until = deadline();
  for (int attempt = 1; clock::now() < until; ++attempt) {
    if (attempt > 1) std::this_thread::sleep_for(backoff(attempt));
    try {
      if (attempt > 1) {
        auto l = c_.layout_now(remote);
        if (l.versions.empty())
          throw storage_error(remote + " has no version", master::errc::not_found);
        auto& v = l.versions[0];
        uint64_t chunk = v.chunk_size_bytes;
        if (chunk == 0)
          throw storage_error(remote + ": unknown chunk size", master::errc::invalid_argument);
        if (v.size_bytes >= size) return;  // grown meanwhile (a size never shrinks)
        for (uint64_t i = v.size_bytes / chunk; i <= (size - 1) / chunk && i < l.chunks.size(); ++i)
          lease(remote, i, true);
      }
      grow_size(remote, 0, size);
      return;
    } catch (const storage_error& e) {
      // A put made a new, small version (stored inline): the records are not in it.
      if (e.code == master::errc::inline_refused) return;
      // Asked again within the deadline: not_leader or unavailable while masters fail over
      // would otherwise leave acknowledged records out of the size (unseen by readers).
      if (e.code != master::errc::conflict && !retryable(e.code)) throw;
      why = e.what();
    }
  }
  throw storage_error(remote + ": could not grow to " + std::to_string(size) +
                      " bytes in time: " + why);
}

}  // namespace dfs
