#pragma once
// Wire messages and log records of the replicated log (README.md). Plain structs only: integers,
// bool, std::string, std::vector, enum classes with explicit values, nested structs and
// `endpoint`, so that CAF 0.17 `inspect()` overloads (src/proto, later) can serialise them. One
// `message` carries every kind; `kind` says which fields are meaningful. Field-wise `==` for the
// round-trip tests.
#include <cstdint>
#include <string>
#include <vector>

#include "common/node_id.hpp"

namespace dfs::replog {

// One voting slot: the address of a configured master and the incarnation of the disk allowed to
// vote for it. An incarnation is fixed when a disk is first created: 0 for the genesis disks,
// else a value greater than every earlier incarnation of that address (e.g. wall-clock ms).
struct voter {
  endpoint address;
  uint64_t incarnation = 0;

  friend bool operator==(const voter& a, const voter& b) {
    return a.address == b.address && a.incarnation == b.incarnation;
  }
  friend bool operator!=(const voter& a, const voter& b) { return !(a == b); }
};

// The voter set. Addresses are fixed (the configured masters); only incarnations change, by a
// `readmit` (a config entry that names a wiped-and-restarted disk). Empty: not known yet (a wiped
// node before it learns the configuration from the leader) -- no quorum can be formed in it.
struct configuration {
  std::vector<voter> voters;

  const voter* find(const endpoint& a) const {
    for (const auto& v : voters)
      if (v.address == a) return &v;
    return nullptr;
  }
  bool admits(const endpoint& a, uint64_t incarnation) const {
    const voter* v = find(a);
    return v != nullptr && v->incarnation == incarnation;
  }
  friend bool operator==(const configuration& a, const configuration& b) {
    return a.voters == b.voters;
  }
  friend bool operator!=(const configuration& a, const configuration& b) { return !(a == b); }
};

enum class entry_kind : uint8_t {
  data = 0,    // opaque application bytes (one master log batch)
  noop = 1,    // a new leader's first entry: commits the earlier terms' tail
  config = 2,  // `config` replaces the voter set (readmit of a wiped disk)
};
const char* to_string(entry_kind k);

struct entry {
  uint64_t index = 0;
  uint64_t term = 0;
  entry_kind kind = entry_kind::data;
  std::string data;      // kind == data
  configuration config;  // kind == config

  friend bool operator==(const entry& a, const entry& b) {
    return a.index == b.index && a.term == b.term && a.kind == b.kind && a.data == b.data &&
           a.config == b.config;
  }
  friend bool operator!=(const entry& a, const entry& b) { return !(a == b); }
};

// What a snapshot replaces: the log up to `index` (of `term`), and the voter set in force there.
struct snapshot_meta {
  uint64_t index = 0;
  uint64_t term = 0;
  configuration config;

  friend bool operator==(const snapshot_meta& a, const snapshot_meta& b) {
    return a.index == b.index && a.term == b.term && a.config == b.config;
  }
  friend bool operator!=(const snapshot_meta& a, const snapshot_meta& b) { return !(a == b); }
};

enum class message_kind : uint8_t {
  // pre_vote, last_index, last_term, granted (= transfer: a campaign started by the leader's
  // timeout_now; granted although a leader was heard recently -- the "disrupt" flag)
  vote_request = 1,
  vote_reply = 2,      // pre_vote, granted
  append = 3,          // prev_index, prev_term, commit, entries (none: heartbeat)
  append_reply = 4,    // granted (= success), match_index, hint_index
  snapshot = 5,        // snapshot (meta), offset, total_bytes, chunk, granted (= last chunk)
  snapshot_reply = 6,  // snapshot (meta of what it answers), offset (next wanted), granted (= done)
  timeout_now = 7,     // leadership handover: the leader tells a caught-up follower to campaign
};
const char* to_string(message_kind k);

struct message {
  message_kind kind = message_kind::append;
  uint64_t term = 0;         // sender's term (a granted pre-vote reply: the term it would grant)
  uint64_t incarnation = 0;  // sender's disk incarnation
  bool pre_vote = false;
  bool granted = false;
  uint64_t last_index = 0, last_term = 0;
  uint64_t prev_index = 0, prev_term = 0, commit = 0;
  std::vector<entry> entries;
  // append_reply: the follower's log equals the leader's, and is on its disk, up to match_index.
  // A rejection names hint_index: the leader retries with prev_index <= hint_index.
  uint64_t match_index = 0, hint_index = 0;
  snapshot_meta snapshot;
  uint64_t offset = 0, total_bytes = 0;
  std::string chunk;
  // append/snapshot: the leader's clock (steady, ns since its epoch) when it sent them; their
  // replies carry back the newest one the follower took from its current leader. The leader's
  // read lease starts at the send time a majority answered (node::read_lease).
  int64_t echo = 0;

  friend bool operator==(const message& a, const message& b) {
    return a.kind == b.kind && a.term == b.term && a.incarnation == b.incarnation &&
           a.pre_vote == b.pre_vote && a.granted == b.granted && a.last_index == b.last_index &&
           a.last_term == b.last_term && a.prev_index == b.prev_index &&
           a.prev_term == b.prev_term && a.commit == b.commit && a.entries == b.entries &&
           a.match_index == b.match_index && a.hint_index == b.hint_index &&
           a.snapshot == b.snapshot && a.offset == b.offset && a.total_bytes == b.total_bytes &&
           a.chunk == b.chunk && a.echo == b.echo;
  }
  friend bool operator!=(const message& a, const message& b) { return !(a == b); }
};

}  // namespace dfs::replog
