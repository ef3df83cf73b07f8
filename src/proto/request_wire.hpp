#pragma once
// The request port (node.port + 4; design.md §3): a client's requests to a node's front door
// (actors/node/node_actor.hpp) in data-port frames (net/data_frame.hpp) over mutual TLS,
// without CAF's path. A CAF request crosses about ten thread hand-offs and, through the control
// gate, two TLS layers (caf-0.17.md §12: ~0.3-0.5 ms); here the client's thread writes one
// frame and the node's connection thread asks the node actor and writes one frame back.
//
// Request frame payload: method (u8), the caller's timeout in ms (u32 LE), then the request
// struct in CAF's binary serialisation (proto/wire.hpp; the client writes it with
// proto/plain_wire.hpp, same bytes), the same inspect() CAF uses.
// Reply frame: status (request_status), the error text, and on `ok` the reply struct.
// Multiplexed: a tagged_request frame is a u64 tag (LE) and then the same payload; its answer,
// a tagged_reply frame, the tag and then the reply frame's payload (net/mux_conn.hpp). Many may
// be in flight on one connection, answered in any order.
// The node mints the caller's token from its verified certificate (kind and common name), so
// the node actor authorizes these requests exactly as it does the same ones over CAF.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/atoms.hpp"
#include "proto/ftqueue.hpp"
#include "proto/status.hpp"
#include "proto/storage.hpp"

namespace dfs::proto {

enum class request_method : uint8_t {
  ns = 1,
  versions = 2,
  trash = 3,
  layout = 4,
  stale_read = 5,
  grow = 6,
  lock = 7,
  status = 8,
  put = 9,
  commit = 10,
  lease = 11,
  queue = 12,
};

enum class request_status : uint32_t {
  ok = 0,
  refused = 1,    // the node refused it (authorization, not the leader...): as CAF's runtime_error
  failed = 2,     // no answer in time, or the owner failed: another attempt may succeed
  too_large = 3,  // the answer does not fit a frame: ask over the control port
  bad_request = 4,  // malformed: the node closes the connection
};

// The method of a request (atom and struct) the request port carries; a request without one
// goes over the control port only.
template <class Atom, class Request>
struct method_of;
#define DFS_REQUEST_METHOD(atom, request, method)                   \
  template <>                                                       \
  struct method_of<atom, request> {                                 \
    static constexpr request_method value = request_method::method; \
  };
DFS_REQUEST_METHOD(storage_atom, ns_request, ns)
DFS_REQUEST_METHOD(storage_atom, versions_request, versions)
DFS_REQUEST_METHOD(storage_atom, trash_request, trash)
DFS_REQUEST_METHOD(storage_atom, layout_request, layout)
DFS_REQUEST_METHOD(storage_atom, stale_read_request, stale_read)
DFS_REQUEST_METHOD(storage_atom, grow_request, grow)
DFS_REQUEST_METHOD(storage_atom, lock_request, lock)
DFS_REQUEST_METHOD(storage_atom, status_request, status)
DFS_REQUEST_METHOD(put_atom, put_request, put)
DFS_REQUEST_METHOD(commit_atom, put_commit, commit)
DFS_REQUEST_METHOD(lease_atom, lease_request, lease)
DFS_REQUEST_METHOD(queue_atom, queue_request, queue)
#undef DFS_REQUEST_METHOD

struct request_head {
  request_method method = request_method::ns;
  uint32_t timeout_ms = 0;
  std::string_view body;  // into the decoded payload
};

std::string encode_request(request_method method, uint32_t timeout_ms, std::string_view body);
// nullopt on a payload shorter than the head or an unknown method.
std::optional<request_head> decode_request(std::string_view payload);

}  // namespace dfs::proto
