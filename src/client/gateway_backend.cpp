#include "client/gateway_backend.hpp"

#include <algorithm>
#include <chrono>
#include <functional>

#include "client/copy_tree.hpp"
#include "client/make_dir.hpp"
#include "client/remove_tree.hpp"
#include "common/crc32c.hpp"
#include "common/parse_decimal.hpp"
#include "common/ports.hpp"
#include "core/gateway/byte_range.hpp"
#include "core/gateway/etag.hpp"
#include "core/gateway/json.hpp"
#include "core/gateway/status.hpp"

namespace dfs {

namespace gw = gateway;

namespace {

// A caller's control-plane token lives this long; a new one is signed for every request.
constexpr uint64_t act_token_ttl_s = 600;

// How a queue call that did not succeed ended, for its HTTP status (`retry`: gave up in doubt).
gw::queue_outcome outcome_of(queue_status s) {
  if (s == queue_status::failed) return gw::queue_outcome::failed;
  if (s == queue_status::refused) return gw::queue_outcome::refused;
  return gw::queue_outcome::unknown;
}
// `GET /versions/PATH` lists at most this many versions.
constexpr uint64_t max_versions_listed = 1000;
// A queue item in a request body: a decimal 64-bit integer and some white space.
constexpr size_t max_item_body_bytes = 64;

uint64_t unix_now_s() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

void fail(net::http_exchange& ex, unsigned status, const std::string& message) {
  if (ex.answered()) throw net::http_io_error(message);  // mid-body: only closing is left
  ex.respond(status, gw::render_error(message));
}

std::string field_text(const net::http_request_head& h, boost::beast::http::field f) {
  auto v = h[f];
  return {v.data(), v.size()};
}

std::string trim(std::string s) {
  auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && sp(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && sp(s[i])) ++i;
  return s.substr(i);
}

}  // namespace

// Idle clients, taken by one request at a time; a new one when none is idle.
template <class Client>
class gateway_backend::pool {
 public:
  using make_fn = std::function<std::unique_ptr<Client>(const token_source&)>;
  pool(make_fn make, std::function<token_source(std::shared_ptr<security::auth_claims>)> minter)
      : make_(std::move(make)), minter_(std::move(minter)) {}

  struct lease {
    pool* owner;
    pooled<Client> item;
    ~lease() { owner->give_back(std::move(item)); }
    Client& operator*() { return *item.client; }
    Client* operator->() { return item.client.get(); }
  };

  lease take(const net::http_caller& caller) {
    pooled<Client> item;
    {
      std::lock_guard lk(mu_);
      if (!idle_.empty()) {
        item = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!item.client) {
      item.as = std::make_shared<security::auth_claims>();
      item.client = make_(minter_(item.as));
    }
    item.as->kind = caller.kind;
    item.as->subject = caller.name + "@http";
    return lease{this, std::move(item)};
  }

 private:
  void give_back(pooled<Client> item) {
    std::lock_guard lk(mu_);
    idle_.push_back(std::move(item));
  }

  std::mutex mu_;
  std::vector<pooled<Client>> idle_;
  make_fn make_;
  std::function<token_source(std::shared_ptr<security::auth_claims>)> minter_;
};

gateway_backend::gateway_backend(caf::actor_system& sys, const config& cfg, const endpoint& self)
    : sys_(sys), cfg_(cfg), token_key_(security::auth_token_key(cfg.cluster.key)) {
  cfg_.client.window_chunks = cfg.gateway.window_chunks;  // bounds memory per transfer
  // Clients are pooled: a cached layout of one could serve an older version after another
  // committed a newer one. HTTP callers expect to read what they just wrote.
  cfg_.client.cache_ttl_ms = 0;
  fileservers_.push_back(self);
  for (auto& f : cfg.client.fileservers)
    if (auto ep = endpoint::parse(f); ep && !(*ep == self)) fileservers_.push_back(*ep);
  for (auto& f : fileservers_) gateways_.push_back({f.host, http_port_of(f.port)});
  auto mint = [this](std::shared_ptr<security::auth_claims> as) { return minter(as); };
  storage_ = std::make_unique<pool<storage_client>>(
      [this](const token_source& t) { return std::make_unique<storage_client>(sys_, cfg_, t); },
      mint);
  queues_ = std::make_unique<pool<queue_client>>(
      [this](const token_source& t) {
        queue_client_options o;
        o.attempt_timeout = std::chrono::milliseconds(cfg_.client.timeout_ms);
        o.give_up_after = o.attempt_timeout * static_cast<int64_t>(2 * fileservers_.size() + 1);
        o.act_as = t;
        return std::make_unique<queue_client>(sys_, cfg_, fileservers_, o);
      },
      mint);
}

gateway_backend::~gateway_backend() = default;

token_source gateway_backend::minter(const std::shared_ptr<security::auth_claims>& as) const {
  return [key = token_key_, as] {
    auto c = *as;
    c.expiry_s = unix_now_s() + act_token_ttl_s;
    return security::sign_auth_token(c, key);
  };
}

void gateway_backend::handle(net::http_exchange& ex) {
  auto& h = ex.head();
  auto method = h.method_string();
  auto target = h.target();
  auto r = gw::parse_route({method.data(), method.size()}, {target.data(), target.size()});
  if (!r) return fail(ex, gw::status_of(r.err().code), r.err().message);
  try {
    switch (r->kind) {
      case gw::route_kind::get_file:
        return get_file(ex, *r);
      case gw::route_kind::put_file:
        return put_file(ex, *r);
      case gw::route_kind::delete_file:
      case gw::route_kind::list_dir:
      case gw::route_kind::get_versions:
      case gw::route_kind::make_dir:
        return namespace_op(ex, *r);
      case gw::route_kind::copy_file:
      case gw::route_kind::move_file:
        return copy_or_move(ex, *r);
      default:
        return queue_op(ex, *r);
    }
  } catch (const storage_error& e) {
    // A change that may have been applied is not "unavailable" (503, which a client may read
    // as "not done"): 504, the upstream did not answer.
    fail(ex, e.outcome_unknown ? 504 : gw::status_of(e.code), e.what());
  }
}

void gateway_backend::get_file(net::http_exchange& ex, const gw::route& r) {
  uint64_t version = 0;
  bool given = false;
  if (!gw::query_u64(r, "version", version, given) || (given && version == 0))
    return fail(ex, 400, "version must be a positive number");
  auto c = storage_->take(ex.caller());
  ns_reply l;
  try {
    l = c->locate(r.path, version);
  } catch (const storage_error& e) {
    // GET /files/docs names a directory without the slash: its listing, as /files/docs/ gives
    // (a ?version of a directory stays the master's error).
    if (e.code != master::errc::is_a_directory || given) throw;
    return ex.respond(200, gw::render_listing(r.path, c->ns(ns_op::list, r.path).entries));
  }
  if (l.versions.empty()) return fail(ex, 503, "no version in the layout of " + r.path);
  auto& v = l.versions[0];
  if (cfg_.gateway.redirect) {
    std::vector<std::vector<std::string>> hosts;
    for (auto& ch : l.chunks) {
      hosts.emplace_back();
      for (auto& rep : ch.replicas) hosts.back().push_back(rep.id.host);
    }
    auto t = ex.head().target();
    auto loc =
        gw::redirect_location(cfg_.node.host, hosts, gateways_, cfg_.gateway.tls ? "https" : "http",
                              {t.data(), t.size()}, v.number);
    if (loc)
      return ex.respond(307, "{\"location\":" + gw::json_string(*loc) + "}", "application/json",
                        {{"Location", *loc}});
  }
  std::vector<uint32_t> crcs;
  bool may_change = false;  // written in place (issue 13): no checksum names its bytes
  for (auto& ch : l.chunks) crcs.push_back(ch.crc32c), may_change |= ch.may_change;
  if (!l.inline_data.empty()) crcs.push_back(crc32c(l.inline_data));  // a small file's bytes
  auto etag = gw::make_etag(v.number, v.size_bytes, crcs);
  net::http_headers headers = {{"Accept-Ranges", "bytes"},
                               {"X-Dfs-Version", std::to_string(v.number)}};
  if (!may_change) headers.insert(headers.begin(), {"ETag", etag});
  auto& h = ex.head();
  auto inm = field_text(h, boost::beast::http::field::if_none_match);
  if (!may_change && !inm.empty() && gw::etag_matches(inm, etag))
    return ex.respond(304, "", "", headers);
  auto range = gw::parse_range(field_text(h, boost::beast::http::field::range), v.size_bytes);
  auto total = std::to_string(v.size_bytes);
  if (range.outcome == gw::range_outcome::unsatisfiable) {
    headers.push_back({"Content-Range", "bytes */" + total});
    return ex.respond(416, gw::render_error("range not satisfiable (size " + total + ")"),
                      "application/json", headers);
  }
  uint64_t first = 0, length = v.size_bytes;
  unsigned status = 200;
  if (range.outcome == gw::range_outcome::partial) {
    first = range.first;
    length = range.length;
    status = 206;
    headers.push_back({"Content-Range", "bytes " + std::to_string(first) + "-" +
                                            std::to_string(first + length - 1) + "/" + total});
  }
  headers.push_back({"Content-Type", "application/octet-stream"});
  ex.begin(status, length, headers);
  if (h.method() == boost::beast::http::verb::head || length == 0) return ex.finish();
  uint64_t end = first + length;
  c->read_layout(l, first, length, [&](uint64_t off, std::string_view data) {
    // The part of this chunk inside [first, end).
    uint64_t from = std::max(off, first), to = std::min(off + data.size(), end);
    if (from < to) ex.write(data.substr(from - off, to - from));
  });
  ex.finish();
}

void gateway_backend::put_file(net::http_exchange& ex, const gw::route& r) {
  auto length = ex.content_length();
  if (!length) return fail(ex, 411, "a PUT needs a Content-Length");
  uint64_t chunk_size = 0;
  if (auto i = r.query.find("chunk_size"); i != r.query.end()) {
    auto s = parse_size(i->second);
    if (!s) return fail(ex, 400, "chunk_size must be a size such as 1MiB, got '" + i->second + "'");
    chunk_size = *s;
  }
  auto c = storage_->take(ex.caller());
  auto v = c->put_stream([&](char* buf, size_t n) { return ex.read_body(buf, n); }, *length, r.path,
                         chunk_size);
  ex.respond(201, gw::render_put(r.path, v), "application/json",
             {{"Location", "/files" + r.path}, {"X-Dfs-Version", std::to_string(v.number)}});
}

void gateway_backend::namespace_op(net::http_exchange& ex, const gw::route& r) {
  auto c = storage_->take(ex.caller());
  switch (r.kind) {
    case gw::route_kind::list_dir: {
      auto reply = c->ns(ns_op::list, r.path);
      return ex.respond(200, gw::render_listing(r.path, reply.entries));
    }
    case gw::route_kind::get_versions: {
      uint64_t count = max_versions_listed;
      bool given = false;
      if (!gw::query_u64(r, "count", count, given) || count == 0)
        return fail(ex, 400, "count must be a positive number");
      auto reply = c->versions(r.path, static_cast<uint32_t>(std::min(count, max_versions_listed)));
      return ex.respond(200, gw::render_versions(r.path, reply.versions));
    }
    case gw::route_kind::make_dir: {
      // ?parents=1 as mkdir -p (and WebHDFS's MKDIRS): 201 when made, 200 when it was there.
      bool parents = false;
      if (!gw::query_bool(r, "parents", parents))
        return fail(ex, 400, "parents must be 1, true, 0 or false");
      bool made = make_dir(*c, r.path, {false, parents});
      return ex.respond(made ? 201 : 200, "{\"path\":" + gw::json_string(r.path) +
                                              ",\"created\":" + (made ? "true" : "false") + "}");
    }
    default: {  // delete_file; ?recursive=1 as rm -r (and WebHDFS's DELETE recursive=true)
      bool recursive = false;
      if (!gw::query_bool(r, "recursive", recursive))
        return fail(ex, 400, "recursive must be 1, true, 0 or false");
      if (!recursive) {
        c->ns(ns_op::remove, r.path);
        return ex.respond(200, "{\"path\":" + gw::json_string(r.path) + ",\"removed\":true}");
      }
      auto n = remove_tree(*c, r.path);
      return ex.respond(200, "{\"path\":" + gw::json_string(r.path) +
                                 ",\"removed\":true,\"files\":" + std::to_string(n.files) +
                                 ",\"dirs\":" + std::to_string(n.dirs) + "}");
    }
  }
}

// POST /files/SRC?copy_to=DST[&recursive=1] as cp [-r], ?move_to=DST as mv: the CLI's code,
// DST an existing directory taking SRC under its name. 201 with where it went (Location).
void gateway_backend::copy_or_move(net::http_exchange& ex, const gw::route& r) {
  auto c = storage_->take(ex.caller());
  auto path = [](const std::string& p) { return "{\"path\":" + gw::json_string(p); };
  if (r.kind == gw::route_kind::move_file) {
    auto to = c->rename(r.path, r.query.at("move_to"));
    return ex.respond(201, path(to) + ",\"from\":" + gw::json_string(r.path) + "}",
                      "application/json", {{"Location", "/files" + to}});
  }
  bool recursive = false;
  if (!gw::query_bool(r, "recursive", recursive))
    return fail(ex, 400, "recursive must be 1, true, 0 or false");
  auto n = copy_tree(*c, r.path, r.query.at("copy_to"), recursive);
  auto body = path(n.target) + ",\"from\":" + gw::json_string(r.path) +
              (n.version != 0 ? ",\"version\":" + std::to_string(n.version)
                              : ",\"files\":" + std::to_string(n.files) +
                                    ",\"dirs\":" + std::to_string(n.dirs)) +
              "}";
  ex.respond(201, body, "application/json", {{"Location", "/files" + n.target}});
}

void gateway_backend::queue_op(net::http_exchange& ex, const gw::route& r) {
  using ftqueue::op_code;
  auto q = queues_->take(ex.caller());
  auto call = [&](op_code code, int64_t arg, int64_t item = 0) {
    auto out = q->call(code, arg, item);
    if (!out.ok() && !(code == op_code::top && out.status == queue_status::failed))
      fail(ex, gw::queue_status_of(outcome_of(out.status), out.error), out.error);
    return out;
  };
  auto id = std::to_string(r.queue_id);
  switch (r.kind) {
    case gw::route_kind::create_queue: {
      auto i = r.query.find("label");
      auto label = i == r.query.end() ? std::nullopt : parse_decimal<int64_t>(i->second);
      if (!label) return fail(ex, 400, "label must be a 64-bit integer (POST /queues?label=L)");
      auto out = call(op_code::create, *label);
      if (out.ok()) ex.respond(200, "{\"id\":" + std::to_string(out.value) + "}");
      return;
    }
    case gw::route_kind::get_queue: {
      auto size = call(op_code::size, r.queue_id);
      if (!size.ok()) return;
      auto top = call(op_code::top, r.queue_id);  // empty: top is null
      return ex.respond(200, "{\"id\":" + id + ",\"size\":" + std::to_string(size.value) +
                                 ",\"top\":" + (top.ok() ? std::to_string(top.value) : "null") +
                                 "}");
    }
    case gw::route_kind::push_item: {
      std::string text;
      if (auto i = r.query.find("item"); i != r.query.end()) {
        text = i->second;
      } else {
        char buf[max_item_body_bytes + 1];
        size_t got = 0;
        for (size_t n;
             got <= max_item_body_bytes && (n = ex.read_body(buf + got, sizeof buf - got));)
          got += n;
        if (got > max_item_body_bytes) return fail(ex, 413, "a queue item is one 64-bit integer");
        text = trim(std::string(buf, got));
      }
      auto item = parse_decimal<int64_t>(text);
      if (!item) return fail(ex, 400, "the item must be a 64-bit integer, got '" + text + "'");
      if (call(op_code::push, r.queue_id, *item).ok()) ex.respond(200, "{\"ok\":true}");
      return;
    }
    case gw::route_kind::pop_item: {
      auto out = call(op_code::pop, r.queue_id);
      if (out.ok()) ex.respond(200, "{\"item\":" + std::to_string(out.value) + "}");
      return;
    }
    default: {  // delete_queue
      if (call(op_code::destroy, r.queue_id).ok()) ex.respond(200, "{\"ok\":true}");
      return;
    }
  }
}

}  // namespace dfs
