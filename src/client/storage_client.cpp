#include "client/storage_client.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "client/dir_lease_cache.hpp"
#include "client/download_file.hpp"
#include "client/local_chunk_read.hpp"
#include "client/remote.hpp"
#include "client/remote_path.hpp"
#include "client/retry_policy.hpp"
#include "common/big_buffer.hpp"
#include "common/crc32c.hpp"
#include "common/ports.hpp"
#include "common/random_id.hpp"
#include "common/startup_trace.hpp"
#include "core/master/dir_leases.hpp"
#include "core/master/leader_hint.hpp"
#include "core/master/path.hpp"
#include "net/data_frame.hpp"
#include "proto/plain_wire.hpp"

namespace dfs {

using net::endpoint_of;

namespace {

// A client's data connections wait at least this long per read/write, however short the
// configured client.timeout_ms.
constexpr uint32_t min_data_io_timeout_ms = 10000;
// Cached file layouts beyond this are dropped all at once (the cache lives cache_ttl_ms anyway).
constexpr size_t max_layout_cache_entries = 10000;
// Reserved single-chunk chains are used within this, however long the master's handle grace.
constexpr uint64_t max_reservation_age_ms = 60000;

// A mutation's request number; 0 for a read (or a request the master may apply again).
template <class Req>
auto request_no_of(const Req& r, int) -> decltype(uint64_t{r.request_no}) {
  return r.request_no;
}
template <class Req>
uint64_t request_no_of(const Req&, long) {
  return 0;
}

std::string sys_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

// Exactly buf.size() bytes of `path` (open as fd) from `offset`; a short file is an error.
void read_exact(int fd, std::string& buf, uint64_t offset, const std::string& path) {
  for (size_t got = 0; got < buf.size();) {
    auto n = ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) throw storage_error(sys_error("cannot read", path));
    if (n == 0)  // errno says nothing here ("Success")
      throw storage_error("'" + path + "' ended early, at byte " + std::to_string(offset + got) +
                          " (it got shorter while it was read): nothing stored");
    got += static_cast<size_t>(n);
  }
}

// Around a change this process makes: what it cached may be stale once the change applies
// (even when the request then fails: it may have applied), and a lease another thread asked
// for meanwhile may predate it (dir_lease_cache::keep drops it by generation).
struct forget_around {
  storage_client& c;
  explicit forget_around(storage_client& client) : c(client) { c.forget_cached(); }
  ~forget_around() { c.forget_cached(); }
  forget_around(const forget_around&) = delete;
  forget_around& operator=(const forget_around&) = delete;
};

// This process's client id (random, never 0) and request numbers (1, 2, ...), shared by every
// storage_client in it (put -r runs several; the gateway one per worker): a pair is unique.
std::pair<uint64_t, uint64_t> next_request() {
  static std::atomic<uint64_t> seq{0};
  return {storage_client::process_client_id(), ++seq};
}

// Runs f(i) for i in [0, n) on up to `window` threads; the first exception is rethrown.
void parallel_for(size_t n, size_t window, const std::function<void(size_t)>& f) {
  if (n == 1 || window <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr first;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(n, window); ++t)
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < n;) {
        try {
          f(i);
        } catch (...) {
          std::lock_guard lk(mu);
          if (!first) first = std::current_exception();
          next = n;  // stop handing out work
        }
      }
    });
  for (auto& t : threads) t.join();
  if (first) std::rethrow_exception(first);
}

// The master's own path rules, applied before sending: a bad REMOTE gets the master's message
// without a round trip, and a name the master would refuse never goes on the wire.
void check_remote(const std::string& path, master::path_rules rules = master::path_rules::clean) {
  auto p = master::parse_path(path, rules);
  if (!p) throw storage_error(p.err().message, p.err().code);
}

// Adds what one push reported ("A; B; ") to what the earlier pushes of the chunk did, once each:
// the error names every replica that failed, not only the last one tried.
void add_errors(std::string& all, const std::string& more) {
  size_t from = 0;
  while (from < more.size()) {
    auto end = more.find("; ", from);
    auto one = more.substr(from, end == std::string::npos ? std::string::npos : end - from);
    from = end == std::string::npos ? more.size() : end + 2;
    if (one.empty() || all.find(one) != std::string::npos) continue;
    all += (all.empty() ? "" : "; ") + one;
  }
}

}  // namespace

storage_client::storage_client(actor_system_ref sys, const config& cfg, token_source act_as)
    : sys_(std::move(sys)),
      cfg_(cfg),
      act_as_(std::move(act_as)),
      finder_(master_finder_for(cfg)),
      memo_(cfg) {
  if (auto m = memo_.recall()) finder_.prefer(*m);
  net::pool_options p;
  p.cluster = net::cluster_id(cfg.cluster.name);
  p.timeout_ms = std::max(cfg.data_io_timeout_ms(), min_data_io_timeout_ms);
  if (cfg.tls.data) {
    try {
      p.tls =
          net::tls_context::shared({cfg.tls.ca, cfg.tls.cert, cfg.tls.key}, net::tls_side::client);
    } catch (const std::exception& e) {
      throw storage_error(e.what());
    }
  }
  pool_ = std::make_unique<net::conn_pool>(std::move(p));
  if (cfg.client.request_port && !act_as_) {
    try {
      requests_ = std::make_unique<request_link>(cfg);
    } catch (const std::exception& e) {
      throw storage_error(e.what());
    }
  }
  fallback_ = sys_.master_fallback_for(cfg_, act_as_);
}

template <class Reply, class Atom, class Req>
Reply storage_client::call(Atom atom, const Req& req, std::chrono::milliseconds first_attempt) {
  using clock = std::chrono::steady_clock;
  std::optional<std::chrono::milliseconds> first_cap;
  if (!finder_.single()) first_cap = std::chrono::milliseconds(2 * cfg_.master.election_timeout_ms);
  retry_policy retry{clock::now(), std::chrono::milliseconds(cfg_.client.timeout_ms), first_cap};
  if (first_attempt.count() > 0) retry.set_first_attempt(first_attempt);
  std::string err;
  size_t refusals = 0;
  // A mutation an attempt may have delivered without an answer: until an answer to its request
  // number comes (the first result, when it was applied), giving up says "outcome unknown"
  // rather than leaving a caller to think it was not applied and do it again.
  const bool mutation = request_no_of(req, 0) != 0;
  bool in_doubt = false;
  auto give_up = [&](const std::string& why, master::errc code = master::errc::ok) {
    storage_error e(why, code);
    return in_doubt ? e.in_doubt("an attempt got no answer and may have been applied") : e;
  };
  for (;;) {
    auto timeout = retry.attempt_timeout(clock::now());
    if (!timeout) break;
    Reply out;
    bool answered = false, refused = false;
    std::optional<endpoint> hint;  // the active master, as a standby named it
    // One master: connecting may take the whole call. Several: one attempt's time, so that a
    // dead host leaves time for the others.
    auto connect_by =
        finder_.single() ? retry.deadline() : std::min(retry.deadline(), clock::now() + *timeout);
    // The request port first (one frame each way); CAF where it cannot serve (none there, an
    // answer too large for a frame).
    request_link::outcome via_port{request_link::outcome::unusable, {}, {}};
    if (requests_) {
      startup_mark("request_sent");
      via_port = requests_->call(finder_.current(), atom, req, *timeout, out);
      startup_mark("reply_received");
    }
    bool asked = via_port.kind != request_link::outcome::unusable;
    if (asked) {
      answered = via_port.kind == request_link::outcome::answered;
      refused = via_port.kind == request_link::outcome::refused;
      if (!answered) err = via_port.text;
      if (via_port.kind == request_link::outcome::failed && !via_port.unsent && mutation)
        in_doubt = true;
    } else if (!fallback_) {
      throw storage_error("the master's request port cannot serve this (" + via_port.text +
                          ") and this process has no control-port client");
    } else {
      using result = master_fallback::result;
      auto r = fallback_->call(finder_.current(), proto::method_of<Atom, Req>::value,
                               plain_wire::encode(req), connect_by, *timeout);
      if (r.kind == result::connect_failed || r.kind == result::connect_refused) {
        err = r.text;
        // A refusal (bad certificate, login denied) stays one, once every master refused; the
        // rest may pass (a restart, a failover).
        if (master::is_not_leader(err))
          hint = master::leader_hint(err);
        else if (r.kind == result::connect_refused && ++refusals >= finder_.size())
          throw give_up(err);
      } else {
        asked = true;
        answered = r.kind == result::answered;
        refused = r.kind == result::refused;
        err = r.text;
        if (answered && !plain_wire::decode(r.body, out)) {
          answered = false;
          err = "malformed answer from the master";
        }
        if (!answered && !refused && mutation) in_doubt = true;  // it may have been read
      }
    }
    if (asked && answered && out.status == ns_status::not_a_master) {
      // A node's roles never change: ask the next listed master, or give up at once.
      answered = false;
      err = finder_.current().to_string() + ": " + out.error;
      if (++refusals >= finder_.size()) throw give_up(err, out.status);
    }
    if (asked) {
      if (refused && master::is_not_leader(err)) {  // a standby: ask the active master
        refused = false;
        hint = master::leader_hint(err);
      }
      if (refused) throw give_up(err);
      bool retry_it = out.status == ns_status::unavailable || out.status == ns_status::not_leader;
      if (answered && !retry_it) {
        finder_.on_success();  // the active master answered (an error status is its answer)
        memo_.remember(finder_.current());
        if (out.status != ns_status::ok) throw storage_error(out.error, out.status);
        return out;
      }
      if (answered) err = out.error;  // `unavailable` (ask again) or a standby
      if (answered && out.status == ns_status::not_leader) hint = master::leader_hint(out.error);
      // Reconnect: the master may have restarted (the request port reconnects by itself).
      if (via_port.kind == request_link::outcome::unusable && fallback_) fallback_->reconnect();
    }
    // The same request again, to the next candidate (one master: the same one). A mutation
    // keeps its client id and request number: the master answers a retry of one it applied
    // with the first result, also after a failover (the table is replicated with the log).
    finder_.on_failure(hint);
    auto pause = retry.pause_after_failure(clock::now(), random_id());
    if (!pause) break;
    std::this_thread::sleep_for(*pause);
  }
  throw give_up(err + " (" + std::to_string(retry.attempts()) +
                " attempts within client.timeout_ms = " + std::to_string(cfg_.client.timeout_ms) +
                ")");
}

ns_reply storage_client::ns(ns_op op, const std::string& given) {
  // Only a listing takes "DIR/" (what shells and tab completion type): stat, mkdir and rm of
  // "NAME/" stay errors, as a trailing slash on a file name is one.
  auto path = op == ns_op::list ? without_trailing_slash(given) : given;
  // rm takes names from before the name rules, as the master does (path_rules::stored).
  check_remote(path, op == ns_op::remove ? master::path_rules::stored : master::path_rules::clean);
  if (stale_ok_ && (op == ns_op::list || op == ns_op::stat))
    return call<ns_reply>(
        storage_atom::value,
        stale_read_request{op == ns_op::list ? stale_op::list : stale_op::stat, path, 0});
  ns_request req{op, path};
  if (op != ns_op::remove && op != ns_op::mkdir) return call<ns_reply>(storage_atom::value, req);
  std::tie(req.client_id, req.request_no) = next_request();
  forget_around change(*this);
  return call<ns_reply>(storage_atom::value, req);
}

ns_reply storage_client::stat(const std::string& path) {
  if (stale_ok_) return ns(ns_op::stat, path);
  check_remote(path, master::path_rules::clean);
  auto& cache = dir_lease_cache::process();
  auto asked = std::chrono::steady_clock::now();
  if (auto hit = cache.find(path, asked)) return *hit;
  auto generation = cache.generation();
  ns_request req{ns_op::stat_dir, path};
  req.client_id = process_client_id();
  auto r = call<ns_reply>(storage_atom::value, req);
  if (r.lease_ms == 0) return r;  // no lease: a plain stat
  cache.keep(master::parent_dir(path), r, asked, generation);
  if (auto one = dir_lease_cache::stat_in(r, path)) return *one;
  return ns(ns_op::stat, path);  // a listing without it: ask plainly
}

void storage_client::forget_cached() {
  layout_cache_.clear();
  dir_lease_cache::process().forget();
}

std::string storage_client::rename(const std::string& given_from, const std::string& given_to) {
  auto from = without_trailing_slash(given_from);
  // `mv a /archive/` never renames a to /archive when that directory is missing.
  auto to = destination(given_to, from);
  check_remote(from, master::path_rules::stored);
  check_remote(to);
  forget_around change(*this);
  ns_request req{ns_op::rename, from, to};
  std::tie(req.client_id, req.request_no) = next_request();
  auto r = call<ns_reply>(storage_atom::value, req);
  return r.entries.empty() ? to : r.entries[0].name;
}

ns_version storage_client::snapshot(const std::string& path) {
  check_remote(path, master::path_rules::stored);  // like rm: a name from before the rules
  auto r = share({ns_op::snapshot, path});
  if (r.versions.empty())
    throw storage_error("snapshot of " + path + ": the master named no version");
  return r.versions.back();
}

std::pair<std::string, ns_version> storage_client::copy(const std::string& given_from,
                                                        const std::string& given_to) {
  auto from = without_trailing_slash(given_from);
  check_remote(from, master::path_rules::stored);  // like mv: an old bad name can be copied
  auto to = destination(given_to, from);
  check_remote(to);
  auto r = share({ns_op::copy, from, to});
  if (r.versions.empty() || r.entries.empty())
    throw storage_error("cp " + from + ": the master named no version");
  return {r.entries[0].name, r.versions.back()};
}

ns_reply storage_client::share(ns_request req) {
  forget_around change(*this);
  std::tie(req.client_id, req.request_no) = next_request();
  // A file under a lease (writes, appends) is shared once the lease has ended: the master
  // revokes it, renews it no more, and answers busy until then (its primary may not answer
  // the revocation: then until the lease runs out).
  return while_busy(
      std::chrono::milliseconds(uint64_t{2} * cfg_.lease.duration_ms + cfg_.client.timeout_ms),
      std::chrono::milliseconds(200), [&] { return call<ns_reply>(storage_atom::value, req); });
}

ns_reply storage_client::trash(trash_op op, const std::string& path, const std::string& new_path) {
  // Trashed names may predate the name rules; a new name must follow them.
  if (!path.empty()) check_remote(path, master::path_rules::stored);
  if (!new_path.empty()) check_remote(new_path);
  trash_request req{op, path, new_path};
  if (op == trash_op::list) return call<ns_reply>(storage_atom::value, req);
  std::tie(req.client_id, req.request_no) = next_request();
  forget_around change(*this);
  return call<ns_reply>(storage_atom::value, req);
}

ns_reply storage_client::versions(const std::string& path, uint32_t count) {
  check_remote(path);
  return call<ns_reply>(storage_atom::value, versions_request{path, count});
}

status::master_section storage_client::master_status() {
  return call<status_reply>(storage_atom::value, status_request{}).section;
}

ns_reply storage_client::layout_now(const std::string& path, uint64_t version) {
  check_remote(path);
  if (stale_ok_)
    return call<ns_reply>(storage_atom::value, stale_read_request{stale_op::layout, path, version});
  return call<ns_reply>(storage_atom::value, layout_request{path, version});
}

uint64_t storage_client::process_client_id() {
  static const uint64_t client = random_id();
  return client;
}

lock_reply storage_client::lock(lock_request req) {
  check_remote(req.path, master::path_rules::clean);
  req.client_id = process_client_id();
  if (req.op != lock_op::acquire) return call<lock_reply>(storage_atom::value, req);
  // The master holds an acquire behind a conflicting holder for wait_ms, and answers before
  // this client gives up on the attempt: a conflict then names the holder. With several
  // masters the attempt stays short enough to move on from a dead one in time.
  uint64_t timeout = cfg_.client.timeout_ms;
  uint64_t wait = timeout * 2 / 3;  // + up to one master tick (200 ms) before the answer
  uint64_t attempt = timeout;
  if (!finder_.single()) {
    wait = std::min<uint64_t>(wait, cfg_.master.election_timeout_ms);
    attempt = std::min<uint64_t>(attempt, wait + 2 * uint64_t{cfg_.master.election_timeout_ms});
  }
  req.wait_ms = wait;
  return call<lock_reply>(storage_atom::value, req, std::chrono::milliseconds(attempt));
}

lease_reply storage_client::lease(const std::string& remote, uint64_t index) {
  check_remote(remote, master::path_rules::clean);
  return call<lease_reply>(lease_atom::value, lease_request{remote, index, 0});
}

ns_reply storage_client::grow(grow_request req) {
  check_remote(req.path, master::path_rules::clean);
  req.client_id = process_client_id();
  forget_around change(*this);
  return call<ns_reply>(storage_atom::value, req);
}

ns_reply storage_client::layout(const std::string& remote, uint64_t version) {
  auto now = std::chrono::steady_clock::now();
  auto ttl = std::chrono::milliseconds(cfg_.client.cache_ttl_ms);
  // Layouts are cached by version number. Which version is the newest is the master's to say:
  // a shell kept `cat` answering the version it read up to cache_ttl_ms after another client
  // committed a newer one. Only a directory lease names it here (the master acknowledges no
  // other client's change to that directory while the lease runs).
  if (version == 0 && !stale_ok_)
    if (auto s = dir_lease_cache::process().find(remote, now); s && !s->versions.empty())
      version = s->versions[0].number;
  if (auto it = layout_cache_.find({remote, version});
      version != 0 && it != layout_cache_.end() && now - it->second.at < ttl)
    return it->second.reply;
  // Right after a master restart, replicas are unknown until the chunkservers report again.
  auto deadline = now + std::chrono::milliseconds(cfg_.client.timeout_ms);
  for (;;) {
    auto r = layout_now(remote, version);
    bool located = std::all_of(r.chunks.begin(), r.chunks.end(),
                               [](const ns_chunk& c) { return !c.replicas.empty(); });
    if (located) {
      if (layout_cache_.size() > max_layout_cache_entries) layout_cache_.clear();
      uint64_t number = r.versions.empty() ? version : r.versions[0].number;
      if (!stale_ok_ && number != 0)
        layout_cache_[{remote, number}] = {r, std::chrono::steady_clock::now()};
      return r;
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw storage_error(remote + ": a chunk has no live replica");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // poll for reports
  }
}

put_plan storage_client::ask_plan(const put_request& req) {
  // 100 ms: chunkservers register at their next heartbeat.
  return while_busy(std::chrono::milliseconds(cfg_.client.timeout_ms),
                    std::chrono::milliseconds(100),
                    [&] { return call<put_plan>(put_atom::value, req); });
}

put_plan storage_client::plan_put(const std::string& remote, uint64_t size, uint64_t chunk_size) {
  check_remote(remote);
  auto& r = reservations_[chunk_size];
  auto now = std::chrono::steady_clock::now();
  // Reserved chains must be used well within the master's grace for uncommitted handles.
  auto max_age = std::chrono::milliseconds(
      std::min<uint64_t>(cfg_.master.handle_grace_ms / 4, max_reservation_age_ms));
  if (now - r.at > max_age) r.chunks.clear();
  bool single = size > 0 && r.chunk_size_bytes != 0 && size <= r.chunk_size_bytes;
  if (single && r.chunks.empty()) {
    // One request plans `batch` chunks of a file that does not exist; each becomes the only
    // chunk of one small file. The path is validated for this file; the others' at commit.
    put_plan p;
    try {
      p = call<put_plan>(put_atom::value,
                         put_request{remote, r.batch * r.chunk_size_bytes, chunk_size});
    } catch (const storage_error&) {
      p = {};  // e.g. no room for the whole batch: plan this file alone (its own error, if any)
    }
    if (p.chunk_size_bytes != r.chunk_size_bytes || p.chunks.size() != r.batch) {
      r.batch = 2;
      return ask_plan(put_request{remote, size, chunk_size});
    }
    r.chunks.assign(p.chunks.begin(), p.chunks.end());
    r.write_quorum = p.write_quorum;
    r.at = now;
    r.batch = std::min<uint32_t>(r.batch * 2, max_reserved_chunks);
  }
  if (single) {
    put_plan p;
    p.chunk_size_bytes = r.chunk_size_bytes;
    p.write_quorum = r.write_quorum;
    p.chunks.push_back(r.chunks.front());
    p.chunks[0].size_bytes = size;
    r.chunks.pop_front();
    return p;
  }
  auto p = ask_plan(put_request{remote, size, chunk_size});
  if (r.chunk_size_bytes == 0 && p.chunk_size_bytes != 0) r.chunk_size_bytes = p.chunk_size_bytes;
  return p;
}

ns_version storage_client::put_chunks(const put_plan& plan, const std::string& remote,
                                      const std::function<std::string(size_t)>& chunk_bytes,
                                      transfer_progress* progress, uint64_t base_version,
                                      uint64_t materialize_version) {
  put_commit commit{remote, plan.chunk_size_bytes, plan.chunks, base_version};
  commit.materialize_version = materialize_version;
  std::tie(commit.client_id, commit.request_no) = next_request();
  parallel_for(plan.chunks.size(), cfg_.client.window_chunks, [&](size_t i) {
    auto& c = commit.chunks[i];
    auto data = chunk_bytes(i);
    c.crc32c = crc32c(data);
    std::vector<replica_addr> chain = c.replicas, stored;
    std::string errors;
    // Push along the chain; a dead head is skipped, and replicas the chain did not reach are
    // tried again while fewer than W hold the chunk.
    while (stored.size() < plan.write_quorum && !chain.empty()) {
      std::vector<net::data_endpoint> eps;
      for (auto& r : chain) eps.push_back(endpoint_of(r));
      std::set<std::string> ok;
      try {
        auto res =
            net::push_chunk(*pool_, eps, random_id(), c.handle, c.chunk_version, c.token, data);
        ok.insert(res.stored.begin(), res.stored.end());
        add_errors(errors, res.errors);
      } catch (const net::data_error& e) {
        add_errors(errors, e.what());
        chain.erase(chain.begin());
        continue;
      }
      std::vector<replica_addr> rest;
      for (auto& r : chain) (ok.count(endpoint_of(r).text()) ? stored : rest).push_back(r);
      chain = rest;
      if (ok.empty()) chain.erase(chain.begin());  // the head stored nothing: skip it
    }
    if (stored.size() < plan.write_quorum)
      throw storage_error("chunk " + std::to_string(i) + " of " + remote + " stored on " +
                          std::to_string(stored.size()) + " replicas, quorum.write needs " +
                          std::to_string(plan.write_quorum) +
                          (errors.empty() ? "" : " (" + errors + ")"));
    c.replicas = stored;
    if (progress) progress->done_bytes += data.size();
  });
  forget_around change(*this);
  auto r = call<ns_reply>(commit_atom::value, commit);
  if (r.versions.empty()) throw storage_error("the master's commit reply has no version");
  return r.versions[0];
}

std::optional<ns_version> storage_client::put_inline(std::string_view data,
                                                     const std::string& remote, uint64_t chunk_size,
                                                     uint64_t base_version) {
  if (data.empty() || data.size() > cfg_.master.inline_max_bytes) return std::nullopt;
  // A master that refused lately (its limit is lower, or its budget is spent) is not asked
  // again for a while: each refusal costs a round trip before the put as chunks.
  auto now = std::chrono::steady_clock::now();
  if (inline_refused_at_ && now - *inline_refused_at_ < inline_retry_after) return std::nullopt;
  check_remote(remote);
  put_commit commit{remote, chunk_size, {}, base_version};
  commit.inline_data = std::string(data);
  std::tie(commit.client_id, commit.request_no) = next_request();
  try {
    forget_around change(*this);
    auto r = call<ns_reply>(commit_atom::value, commit);
    if (r.versions.empty()) throw storage_error("the master's commit reply has no version");
    return r.versions[0];
  } catch (const storage_error& e) {
    if (e.code != master::errc::inline_refused) throw;
    inline_refused_at_ = now;
    return std::nullopt;
  }
}

void storage_client::materialize(const std::string& remote, const ns_reply& l) {
  if (l.inline_data.empty() || l.versions.empty()) return;
  const auto& v = l.versions[0];
  auto plan = plan_put(remote, l.inline_data.size(), v.chunk_size_bytes);
  try {
    put_chunks(
        plan, remote,
        [&](size_t i) {
          return l.inline_data.substr(i * plan.chunk_size_bytes, plan.chunks[i].size_bytes);
        },
        nullptr, 0, v.number);
  } catch (const storage_error& e) {
    // Another writer stored it as chunks first, or a new version came: the caller looks again.
    if (e.code != master::errc::conflict) throw;
  }
  forget_cached();
}

ns_version storage_client::put(const std::string& local, const std::string& remote,
                               uint64_t chunk_size, transfer_progress* progress,
                               uint64_t base_version) {
  int fd = ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw storage_error(sys_error("cannot open", local));
  struct stat sb {};
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    ::close(fd);
    throw storage_error("'" + local + "' is not a regular file");
  }
  auto size = static_cast<uint64_t>(sb.st_size);
  if (progress) progress->total_bytes = size;
  try {
    if (size > 0 && size <= cfg_.master.inline_max_bytes) {
      std::string small(size, '\0');
      read_exact(fd, small, 0, local);
      ::close(fd);
      fd = -1;
      auto v = put_bytes(small, remote, chunk_size, base_version);
      if (progress) progress->done_bytes += size;
      return v;
    }
    auto plan = plan_put(remote, size, chunk_size);
    auto v = put_chunks(
        plan, remote,
        [&](size_t i) {
          std::string buf;
          resize_big(buf, plan.chunks[i].size_bytes);
          read_exact(fd, buf, i * plan.chunk_size_bytes, local);
          return buf;
        },
        progress, base_version);
    ::close(fd);
    return v;
  } catch (...) {
    if (fd >= 0) ::close(fd);
    throw;
  }
}

ns_version storage_client::put_bytes(std::string_view data, const std::string& remote,
                                     uint64_t chunk_size, uint64_t base_version) {
  if (auto v = put_inline(data, remote, chunk_size, base_version)) return *v;
  auto plan = plan_put(remote, data.size(), chunk_size);
  return put_chunks(
      plan, remote,
      [&](size_t i) {
        return std::string(data.substr(i * plan.chunk_size_bytes, plan.chunks[i].size_bytes));
      },
      nullptr, base_version);
}

ns_version storage_client::put_stream(const std::function<size_t(char*, size_t)>& read,
                                      uint64_t size, const std::string& remote,
                                      uint64_t chunk_size) {
  if (size > 0 && size <= cfg_.master.inline_max_bytes) {  // small: the whole body, then inline
    std::string small(size, '\0');
    for (size_t got = 0; got < small.size();) {
      auto n = read(small.data() + got, small.size() - got);
      if (n == 0) throw storage_error("the upload ended before its announced length");
      got += n;
    }
    char extra;
    if (read(&extra, 1) != 0) throw storage_error("the upload is longer than its announced length");
    return put_bytes(small, remote, chunk_size);
  }
  auto plan = plan_put(remote, size, chunk_size);
  // put_chunks asks for chunks from several threads, in increasing index order; a stream
  // can only be read in order, so chunk i waits until chunk i - 1 has been read.
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0;
  bool failed = false;
  auto v = put_chunks(
      plan, remote,
      [&](size_t i) {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return failed || next == i; });
        if (failed) throw storage_error("upload aborted");
        lk.unlock();
        std::string buf;  // huge pages: a fresh 64 MiB buffer per chunk faults page by page
        resize_big(buf, plan.chunks[i].size_bytes);
        try {
          for (size_t got = 0; got < buf.size();) {
            auto n = read(buf.data() + got, buf.size() - got);
            if (n == 0) throw storage_error("the upload ended before its announced length");
            got += n;
          }
        } catch (...) {
          lk.lock();
          failed = true;
          cv.notify_all();
          throw;
        }
        lk.lock();
        ++next;
        cv.notify_all();
        return buf;
      },
      nullptr);
  char extra;
  if (read(&extra, 1) != 0) throw storage_error("the upload is longer than its announced length");
  return v;
}

void storage_client::fetch_chunk(const ns_chunk& c, size_t index, std::string& buf) {
  // Nearest first: replicas on this host, then the others; rotate by chunk index (and this
  // client's offset) so that the reads of one file, and of many clients, spread over replicas.
  std::vector<replica_addr> order = c.replicas;
  if (!order.empty())
    std::rotate(order.begin(), order.begin() + (index + read_offset_) % order.size(), order.end());
  std::stable_partition(order.begin(), order.end(),
                        [&](const replica_addr& r) { return r.id.host == cfg_.node.host; });
  // A chunk that takes writes: ask R replicas for (version, checksum) and read the newest that
  // matches the master's. A sealed chunk needs no replica's word: the master's checksum of it
  // checks the bytes read below, which a stale or damaged replica fails (then the next replica
  // is read). Asking first cost two sequential round trips per small file (issue 17).
  if (cfg_.quorum.read > 1 && order.size() > 1 && c.may_change) {
    std::vector<std::pair<uint64_t, replica_addr>> good;
    for (size_t k = 0; k < order.size() && good.size() < cfg_.quorum.read; ++k) {
      try {
        auto s = net::stat_chunk(*pool_, endpoint_of(order[k]), c.handle, c.token);
        // It has no whole-chunk checksum to compare (the replicas' block checksums vouch for
        // it): its version alone says a replica is current.
        if (s.version == c.chunk_version) good.push_back({s.version, order[k]});
      } catch (const net::data_error&) {
      }
    }
    std::stable_sort(good.begin(), good.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::vector<replica_addr> rest;
    for (auto& g : good) rest.push_back(g.second);
    for (auto& r : order)
      if (std::none_of(good.begin(), good.end(), [&](auto& g) { return g.second.id == r.id; }))
        rest.push_back(r);
    order = rest;
  }
  std::string errors;
  if (cfg_.client.local_reads && read_chunk_locally(c, order, cfg_.client.timeout_ms, buf, errors))
    return;
  reserve_big(buf, c.size_bytes);  // nothing when a reused buffer is large enough
  for (auto& r : order) {
    try {
      // The checksum as the bytes arrive, while they are still in the CPU's cache.
      buf.clear();
      uint32_t crc = 0;
      net::read_chunk_to(*pool_, endpoint_of(r), c.handle, 0, c.size_bytes, c.token,
                         [&](std::string_view bytes) {
                           buf.append(bytes);
                           if (!c.may_change) crc = crc32c(bytes, crc);
                         });
      if (c.may_change || crc == c.crc32c) return;
      errors += endpoint_of(r).text() + ": checksum mismatch; ";
    } catch (const net::data_error& e) {
      errors += std::string(e.what()) + "; ";
    }
  }
  throw storage_error("chunk " + std::to_string(index) + ": no replica could be read (" + errors +
                      ")");
}

ns_version storage_client::get(const std::string& remote, uint64_t version,
                               const std::function<void(uint64_t, std::string_view)>& sink,
                               transfer_progress* progress) {
  auto l = layout(remote, version);
  if (l.versions.empty()) throw storage_error("no version in the layout of " + remote);
  read_layout(l, 0, l.versions[0].size_bytes, sink, progress);
  return l.versions[0];
}

void storage_client::read_layout(const ns_reply& l, uint64_t first, uint64_t length,
                                 const std::function<void(uint64_t, std::string_view)>& sink,
                                 transfer_progress* progress) {
  if (l.versions.empty()) throw storage_error("no version in the layout");
  if (progress) progress->total_bytes = l.versions[0].size_bytes;
  if (!l.inline_data.empty()) {  // a small file's bytes came with the layout: one "chunk"
    if (l.inline_data.size() != l.versions[0].size_bytes)
      throw storage_error("the layout's inline bytes do not match the version's size");
    if (length > 0 && first < l.inline_data.size()) sink(0, l.inline_data);
    if (progress) progress->done_bytes += l.inline_data.size();
    return;
  }
  // A sliding window: up to `window` chunks are fetched or waiting for delivery at a time;
  // whichever worker completes the next chunk in file order hands it (and any that follow it
  // and are ready) to the sink while the others keep fetching.
  const size_t window = std::max<size_t>(1, cfg_.client.window_chunks);
  std::vector<uint64_t> offsets(l.chunks.size() + 1, 0);
  for (size_t i = 0; i < l.chunks.size(); ++i) offsets[i + 1] = offsets[i] + l.chunks[i].size_bytes;
  // Only the chunks overlapping [first, end): [start, n).
  uint64_t end = length > UINT64_MAX - first ? UINT64_MAX : first + length;
  size_t n = 0, start = 0;
  while (n < l.chunks.size() && length > 0 && offsets[n] < end) ++n;
  while (start < n && offsets[start + 1] <= first) ++start;
  std::mutex mu;
  std::condition_variable cv;
  size_t next_fetch = start, next_deliver = start;
  bool delivering = false;
  std::map<size_t, std::string> ready;
  std::vector<std::string> buffers;  // delivered chunks' buffers, for the next fetches
  std::exception_ptr failure;
  auto worker = [&] {
    std::unique_lock lk(mu);
    for (;;) {
      cv.wait(lk, [&] { return failure || next_fetch >= n || next_fetch < next_deliver + window; });
      if (failure || next_fetch >= n) return;
      size_t i = next_fetch++;
      std::string data;
      if (!buffers.empty()) {
        data = std::move(buffers.back());
        buffers.pop_back();
      }
      lk.unlock();
      try {
        fetch_chunk(l.chunks[i], i, data);
        if (progress) progress->done_bytes += data.size();
        lk.lock();
        ready.emplace(i, std::move(data));
        while (!delivering && !failure && ready.count(next_deliver)) {
          delivering = true;
          auto chunk = std::move(ready[next_deliver]);
          ready.erase(next_deliver);
          lk.unlock();
          sink(offsets[next_deliver], chunk);  // only this thread touches next_deliver now
          lk.lock();
          buffers.push_back(std::move(chunk));
          ++next_deliver;
          delivering = false;
          cv.notify_all();
        }
      } catch (...) {
        if (!lk.owns_lock()) lk.lock();
        if (!failure) failure = std::current_exception();
        delivering = false;
        cv.notify_all();
        return;
      }
    }
  };
  if (n - start <= 1 || window == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < std::min(n - start, window); ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (failure) std::rethrow_exception(failure);
}

ns_version storage_client::get_to_file(const std::string& remote, uint64_t version,
                                       const std::string& local, transfer_progress* progress) {
  if (local == "-") {
    auto v = get(
        remote, version,
        [](uint64_t, std::string_view d) {
          if (std::fwrite(d.data(), 1, d.size(), stdout) != d.size())
            throw storage_error(std::string("cannot write to stdout: ") + std::strerror(errno));
        },
        progress);
    if (std::fflush(stdout) != 0)
      throw storage_error(std::string("cannot write to stdout: ") + std::strerror(errno));
    return v;
  }
  download_file out{local};
  auto v = get(
      remote, version, [&](uint64_t off, std::string_view d) { out.write_at(off, d); }, progress);
  out.commit();
  return v;
}

net::store_listing storage_client::store(const std::string& control_addr) {
  auto ep = endpoint::parse(control_addr);
  if (!ep) throw storage_error("'" + control_addr + "' is not HOST:PORT");
  try {
    return net::list_store(*pool_, {ep->host, data_port_of(ep->port)});
  } catch (const net::data_error& e) {
    // The listing comes from the data port beside the address given, which the error names:
    // say which address that was for (`status` lists both, NODE and DATA).
    throw storage_error(std::string(e.what()) + " (the data port of the chunkserver at " +
                        control_addr + "; store takes the NODE address that status lists)");
  }
}

}  // namespace dfs
