// lock_table.hpp has the rules.
#include "core/master/lock_table.hpp"

#include <algorithm>

#include "core/master/path.hpp"

namespace dfs::master {

namespace {

constexpr size_t max_owner_bytes = 256;
constexpr size_t max_named_holders = 3;  // in a "held by" message
constexpr core::duration max_wait = std::chrono::minutes(10);

lock_reply refusal(errc code, std::string msg) {
  lock_reply r;
  r.status = code;
  r.error = std::move(msg);
  return r;
}

uint64_t ms_of(core::duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms < 0 ? 0 : static_cast<uint64_t>(ms);
}

}  // namespace

std::optional<lock_reply> lock_table::check(const lock_request& r, bool wants_ttl) const {
  if (auto p = parse_path(r.path); !p) return refusal(p.err().code, p.err().message);
  if (r.path == "/") return refusal(errc::invalid_path, "lock: the root cannot be locked");
  if (r.mode != lock_mode::shared && r.mode != lock_mode::exclusive)
    return refusal(errc::invalid_argument, "lock: unknown mode " +
                                               std::to_string(static_cast<int>(r.mode)) +
                                               " (shared or exclusive)");
  if (r.client_id == 0) return refusal(errc::invalid_argument, "lock: no client id");
  if (r.owner.size() > max_owner_bytes)
    return refusal(errc::invalid_argument, "lock: owner name longer than 256 bytes");
  if (!r.owner.empty())
    if (auto why = name_violation(r.owner); !why.empty())
      return refusal(errc::invalid_argument, "lock: owner name: " + why);
  auto max_ms = ms_of(opts_.max_ttl);
  if (wants_ttl && (r.ttl_ms == 0 || r.ttl_ms > max_ms))
    return refusal(errc::invalid_argument, "lock: ttl " + std::to_string(r.ttl_ms) +
                                               " ms out of range (1.." + std::to_string(max_ms) +
                                               " ms, lock.max_ttl_ms)");
  return std::nullopt;
}

void lock_table::expire(lock_entry& e, core::time_point now) {
  auto gone = [&](const lock_holder& h) { return h.expires <= now; };
  e.holders.erase(std::remove_if(e.holders.begin(), e.holders.end(), gone), e.holders.end());
}

bool lock_table::fits(const lock_entry& e, uint64_t client_id, lock_mode mode) {
  if (e.holders.empty()) return true;
  if (e.holders.size() == 1 && e.holders.front().client_id == client_id) return true;
  return mode == lock_mode::shared && e.mode == lock_mode::shared;
}

lock_reply lock_table::take(lock_entry& e, uint64_t client_id, const std::string& owner,
                            lock_mode mode, core::time_point expires, core::time_point now) {
  auto it = std::find_if(e.holders.begin(), e.holders.end(),
                         [&](const lock_holder& h) { return h.client_id == client_id; });
  if (e.holders.empty()) {
    e.mode = mode;
  } else if (e.holders.size() == 1 && it != e.holders.end() && mode == lock_mode::exclusive) {
    e.mode = lock_mode::exclusive;  // the only reader becomes the updater
  }
  if (it == e.holders.end())
    e.holders.push_back({client_id, owner, expires});
  else
    it->expires = std::max(it->expires, expires);
  lock_reply ok;
  ok.expires_in_ms = ms_of(expires - now);
  return ok;
}

void lock_table::grant_waiters(lock_entry& e, core::time_point now,
                               std::vector<lock_answer>& answers) {
  while (!e.waiters.empty()) {
    auto& w = e.waiters.front();
    if (!fits(e, w.client_id, w.mode)) break;
    answers.push_back({w.token, take(e, w.client_id, w.owner, w.mode, now + w.ttl, now)});
    e.waiters.pop_front();
  }
}

std::string lock_table::held_text(const lock_entry& e, core::time_point now) const {
  std::string names;
  core::time_point last{};
  for (size_t i = 0; i < e.holders.size(); ++i) {
    last = std::max(last, e.holders[i].expires);
    if (i < max_named_holders) {
      names += (i == 0 ? "" : ", ") + (e.holders[i].owner.empty()
                                           ? "client " + std::to_string(e.holders[i].client_id)
                                           : e.holders[i].owner);
    }
  }
  if (e.holders.size() > max_named_holders)
    names += " and " + std::to_string(e.holders.size() - max_named_holders) + " more";
  std::string out;
  if (!e.holders.empty()) {
    auto s = (ms_of(last - now) + 999) / 1000;
    out =
        "held by " + names + " (" + to_string(e.mode) + ", expires in " + std::to_string(s) + " s)";
  }
  if (!e.waiters.empty())
    out += (out.empty() ? "" : "; ") + std::to_string(e.waiters.size()) + " waiting";
  return out;
}

std::optional<lock_reply> lock_table::acquire(request_token token, const lock_request& r,
                                              core::time_point now,
                                              std::vector<lock_answer>& answers) {
  if (auto bad = check(r, true)) return bad;
  auto it = locks_.find(r.path);
  if (it == locks_.end()) {
    if (locks_.size() >= opts_.max_paths)
      return refusal(errc::busy, "lock: " + std::to_string(opts_.max_paths) +
                                     " paths are locked already (the master's limit)");
    it = locks_.emplace(r.path, lock_entry{}).first;
  }
  auto& e = it->second;
  expire(e, now);
  grant_waiters(e, now, answers);
  // A retry (or a new request) of a client that waits already takes over its place in line.
  for (auto& w : e.waiters) {
    if (w.client_id != r.client_id) continue;
    answers.push_back({w.token, refusal(errc::busy, "lock " + quote_path(r.path) +
                                                        ": replaced by a newer request")});
    auto wait = std::min<core::duration>(std::chrono::milliseconds(r.wait_ms), max_wait);
    w = {token, r.client_id, r.owner, r.mode, std::chrono::milliseconds(r.ttl_ms), now + wait};
    return std::nullopt;
  }
  bool holds = std::any_of(e.holders.begin(), e.holders.end(),
                           [&](const lock_holder& h) { return h.client_id == r.client_id; });
  auto expires = now + std::chrono::milliseconds(r.ttl_ms);
  if ((e.waiters.empty() || holds) && fits(e, r.client_id, r.mode))
    return take(e, r.client_id, r.owner, r.mode, expires, now);
  auto conflict = "lock " + quote_path(r.path) + ": " + held_text(e, now);
  if (r.wait_ms == 0) return refusal(errc::busy, conflict);
  if (e.waiters.size() >= opts_.max_waiters_per_path)
    return refusal(errc::busy, conflict + " (the master's limit of waiters)");
  auto wait = std::min<core::duration>(std::chrono::milliseconds(r.wait_ms), max_wait);
  e.waiters.push_back(
      {token, r.client_id, r.owner, r.mode, std::chrono::milliseconds(r.ttl_ms), now + wait});
  return std::nullopt;
}

lock_reply lock_table::renew(const lock_request& r, core::time_point now,
                             std::vector<lock_answer>& answers) {
  if (auto bad = check(r, true)) return *bad;
  auto lost = refusal(errc::not_found, "lock " + quote_path(r.path) +
                                           " lost: not held by this client (it expired, was "
                                           "released, or the active master changed)");
  auto it = locks_.find(r.path);
  if (it == locks_.end()) return lost;
  auto& e = it->second;
  expire(e, now);
  grant_waiters(e, now, answers);
  auto h = std::find_if(e.holders.begin(), e.holders.end(),
                        [&](const lock_holder& x) { return x.client_id == r.client_id; });
  if (h == e.holders.end()) {
    forget_if_free(r.path);
    return lost;
  }
  h->expires = std::max(h->expires, now + std::chrono::milliseconds(r.ttl_ms));
  lock_reply ok;
  ok.expires_in_ms = ms_of(h->expires - now);
  return ok;
}

lock_reply lock_table::release(const lock_request& r, core::time_point now,
                               std::vector<lock_answer>& answers) {
  if (auto bad = check(r, false)) return *bad;
  auto it = locks_.find(r.path);
  if (it == locks_.end())
    return refusal(errc::not_found, "lock " + quote_path(r.path) + ": not held by this client");
  auto& e = it->second;
  expire(e, now);
  auto mine = [&](const lock_holder& h) { return h.client_id == r.client_id; };
  auto held = std::find_if(e.holders.begin(), e.holders.end(), mine) != e.holders.end();
  e.holders.erase(std::remove_if(e.holders.begin(), e.holders.end(), mine), e.holders.end());
  for (auto w = e.waiters.begin(); w != e.waiters.end();) {
    if (w->client_id != r.client_id) {
      ++w;
      continue;
    }
    answers.push_back({w->token, refusal(errc::busy, "lock " + quote_path(r.path) +
                                                         ": cancelled by the client")});
    w = e.waiters.erase(w);
  }
  grant_waiters(e, now, answers);
  forget_if_free(r.path);
  if (!held)
    return refusal(errc::not_found, "lock " + quote_path(r.path) + ": not held by this client");
  return {};
}

std::vector<lock_answer> lock_table::on_tick(core::time_point now) {
  std::vector<lock_answer> answers;
  std::vector<std::string> free;
  for (auto& [path, e] : locks_) {
    expire(e, now);
    grant_waiters(e, now, answers);
    bool dropped = false;
    for (auto w = e.waiters.begin(); w != e.waiters.end();) {
      if (w->deadline > now) {
        ++w;
        continue;
      }
      answers.push_back(
          {w->token, refusal(errc::busy, "lock " + quote_path(path) + ": " + held_text(e, now))});
      w = e.waiters.erase(w), dropped = true;
    }
    if (dropped) grant_waiters(e, now, answers);  // those behind a refused writer
    if (e.holders.empty() && e.waiters.empty()) free.push_back(path);
  }
  for (auto& p : free) locks_.erase(p);
  return answers;
}

bool lock_table::locked_by_other(const std::string& path, uint64_t client_id,
                                 core::time_point now) const {
  auto it = locks_.find(path);
  if (it == locks_.end() || it->second.mode != lock_mode::exclusive) return false;
  for (auto& h : it->second.holders)
    if (h.client_id != client_id && h.expires > now) return true;
  return false;
}

bool lock_table::holds_exclusive(const std::string& path, uint64_t client_id,
                                 core::time_point now) const {
  auto it = locks_.find(path);
  if (it == locks_.end() || it->second.mode != lock_mode::exclusive) return false;
  for (auto& h : it->second.holders)
    if (h.client_id == client_id && h.expires > now) return true;
  return false;
}

std::string lock_table::held_by(const std::string& path, core::time_point now) const {
  auto it = locks_.find(path);
  if (it == locks_.end()) return {};
  lock_entry e = it->second;
  e.holders.erase(std::remove_if(e.holders.begin(), e.holders.end(),
                                 [&](const lock_holder& h) { return h.expires <= now; }),
                  e.holders.end());
  return held_text(e, now);
}

void lock_table::forget_if_free(const std::string& path) {
  auto it = locks_.find(path);
  if (it != locks_.end() && it->second.holders.empty() && it->second.waiters.empty())
    locks_.erase(it);
}

}  // namespace dfs::master
