#include "core/gateway/request_target.hpp"

#include "common/parse_decimal.hpp"

namespace dfs::gateway {

namespace {

target_error fail(target_errc c, std::string msg) {
  return {c, std::move(msg)};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_query(std::string_view q, std::map<std::string, std::string>& out, std::string& why) {
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string k, v;
    if (!percent_decode(part.substr(0, eq), true, k) ||
        (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), true, v))) {
      why = "bad percent-encoding in the query";
      return false;
    }
    if (out.size() >= max_query_params) {
      why = "too many query parameters";
      return false;
    }
    out[k] = v;
  }
  return true;
}

// "/queues/ID[/items|/pop]" after the "/queues" prefix.
basic_result<route, target_error> queue_route(std::string_view method, std::string_view rest,
                                              route r) {
  if (rest.empty() || rest == "/") {
    if (method != "POST") return fail(target_errc::method_not_allowed, "use POST /queues?label=L");
    r.kind = route_kind::create_queue;
    return r;
  }
  rest.remove_prefix(1);
  auto slash = rest.find('/');
  auto id_text = rest.substr(0, slash);
  auto tail = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  auto id = parse_decimal<int64_t>(id_text);
  if (!id) return fail(target_errc::bad_request, "queue id must be a 64-bit integer");
  r.queue_id = *id;
  if (tail.empty()) {
    if (method == "GET" || method == "HEAD")
      r.kind = route_kind::get_queue;
    else if (method == "DELETE")
      r.kind = route_kind::delete_queue;
    else
      return fail(target_errc::method_not_allowed, "use GET or DELETE on /queues/ID");
    return r;
  }
  if (tail != "/items" && tail != "/pop")
    return fail(target_errc::not_found, "no such queue resource");
  if (method != "POST") return fail(target_errc::method_not_allowed, "use POST");
  r.kind = tail == "/items" ? route_kind::push_item : route_kind::pop_item;
  return r;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

}  // namespace

bool percent_decode(std::string_view s, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return false;
    out.push_back(c);
  }
  return true;
}

bool query_u64(const route& r, const std::string& name, uint64_t& out, bool& present) {
  auto i = r.query.find(name);
  present = i != r.query.end();
  if (!present) return true;
  auto n = parse_decimal<uint64_t>(i->second);
  if (!n) return false;
  out = *n;
  return true;
}

bool query_bool(const route& r, const std::string& name, bool& out) {
  auto i = r.query.find(name);
  out = false;
  if (i == r.query.end()) return true;
  auto& s = i->second;
  if (s.empty() || s == "1" || s == "true") return out = true;
  return s == "0" || s == "false";
}

basic_result<route, target_error> parse_route(std::string_view method, std::string_view target) {
  if (target.size() > max_target_bytes) return fail(target_errc::bad_request, "target too long");
  if (target.empty() || target[0] != '/')
    return fail(target_errc::bad_request, "the request target must be an absolute path");
  route r;
  auto qm = target.find('?');
  auto raw_path = target.substr(0, qm);
  if (qm != std::string_view::npos) {
    std::string why;
    if (!parse_query(target.substr(qm + 1), r.query, why))
      return fail(target_errc::bad_request, why);
  }
  if (raw_path.find('#') != std::string_view::npos)
    return fail(target_errc::bad_request, "a fragment in the request target");
  if (raw_path == "/queues" || starts_with(raw_path, "/queues/"))
    return queue_route(method, raw_path.substr(7), std::move(r));
  std::string_view prefix;
  for (auto p : {"/files", "/versions", "/dirs"})
    if (raw_path == p || starts_with(raw_path, std::string(p) + "/")) prefix = p;
  if (prefix.empty()) return fail(target_errc::not_found, "no such resource");
  auto rest = raw_path.substr(prefix.size());
  if (rest.empty()) rest = "/";
  if (!percent_decode(rest, false, r.path))
    return fail(target_errc::bad_request, "bad percent-encoding in the path");
  bool dir = r.path.size() > 1 && r.path.back() == '/';
  if (dir) r.path.pop_back();  // the master's paths have no trailing slash
  bool get = method == "GET" || method == "HEAD";
  if (prefix == "/versions") {
    if (!get) return fail(target_errc::method_not_allowed, "use GET on /versions/PATH");
    r.kind = route_kind::get_versions;
  } else if (prefix == "/dirs") {
    if (method != "POST") return fail(target_errc::method_not_allowed, "use POST on /dirs/PATH");
    r.kind = route_kind::make_dir;
  } else if (get) {
    r.kind = dir || r.path == "/" ? route_kind::list_dir : route_kind::get_file;
  } else if (method == "PUT" && !dir && r.path != "/") {
    r.kind = route_kind::put_file;
  } else if (method == "DELETE" && r.path != "/") {
    r.kind = route_kind::delete_file;
  } else if (method == "POST") {
    bool copy = r.query.count("copy_to") > 0, move = r.query.count("move_to") > 0;
    if (copy == move)
      return fail(target_errc::bad_request,
                  "POST on /files/PATH needs one of copy_to=DST (cp) or move_to=DST (mv)");
    r.kind = copy ? route_kind::copy_file : route_kind::move_file;
  } else {
    return fail(target_errc::method_not_allowed,
                "use GET, PUT, DELETE or POST (copy_to, move_to) on /files/PATH");
  }
  return r;
}

unsigned status_of(target_errc e) {
  switch (e) {
    case target_errc::not_found:
      return 404;
    case target_errc::method_not_allowed:
      return 405;
    default:
      return 400;
  }
}

}  // namespace dfs::gateway
