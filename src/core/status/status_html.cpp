#include "core/status/status_html.hpp"

#include <cstdio>

#include "common/text_table.hpp"
#include "common/utf8.hpp"

namespace dfs::status {

namespace {

std::string esc(std::string_view s) {
  return html_escape(s);
}

std::string num(uint64_t v) {
  return std::to_string(v);
}

std::string age(int64_t ms) {
  return ms < 0 ? "-" : format_age_ms(ms);
}

// Green for the good states, amber for doubt, red for gone: the class names of the CSS below.
const char* tone(std::string_view state) {
  if (state == "healthy" || state == "alive" || state == "primary") return "good";
  if (state == "unhealthy" || state == "suspect" || state == "draining") return "warn";
  return "bad";
}

std::string badge(std::string_view state) {
  return "<span class=\"badge " + std::string(tone(state)) + "\">" + esc(state) + "</span>";
}

// A bar `part` of `whole` full, with its text beside it.
std::string bar(uint64_t part, uint64_t whole, const std::string& text) {
  double pct = whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0;
  if (pct > 100) pct = 100;
  char width[32];
  std::snprintf(width, sizeof width, "%.1f", pct);
  const char* level = pct >= 90 ? " bad" : pct >= 75 ? " warn" : "";
  return "<div class=\"bar\" title=\"" + std::string(width) + "%\"><div class=\"fill" + level +
         "\" style=\"width:" + width + "%\"></div></div> <span class=\"small\">" + text + "</span>";
}

std::string tile(const std::string& label, const std::string& value, const char* cls = "") {
  return "<div class=\"tile " + std::string(cls) + "\"><div class=\"value\">" + value +
         "</div><div class=\"label\">" + esc(label) + "</div></div>";
}

std::string table(const std::string& id, const std::vector<std::string>& header,
                  const std::string& rows) {
  std::string out = "<table id=\"" + id + "\"><thead><tr>";
  for (auto& h : header) out += "<th>" + esc(h) + "</th>";
  return out + "</tr></thead><tbody>" + rows + "</tbody></table>";
}

std::string td(const std::string& html) {
  return "<td>" + html + "</td>";
}

std::string summary(const snapshot& s) {
  std::string out = "<section class=\"tiles\">";
  if (s.master.present) {
    uint64_t healthy = 0, live = 0;
    for (auto& c : s.master.chunkservers) {
      healthy += c.state == "healthy";
      live += c.state != "removed";
    }
    out += tile("chunkservers healthy", num(healthy) + " / " + num(live),
                healthy == live ? "good" : "warn");
    // Removed servers no longer count as capacity, but a person must still see them.
    auto removed = s.master.chunkservers.size() - live;
    if (removed) out += tile("chunkservers removed", num(removed), "bad");
    out += tile("under-replicated chunks", num(s.master.under_replicated),
                s.master.under_replicated ? "warn" : "good");
    out += tile("missing chunks", num(s.master.repair.missing),
                s.master.repair.missing ? "bad" : "good");
    out += tile("files", num(s.master.files));
    out += tile("chunks", num(s.master.chunks));
  }
  if (s.membership.present) {
    auto by = members_by_state(s.membership.members);
    out += tile("members alive", num(by["alive"]) + " / " + num(s.membership.members.size()),
                by["suspect"] ? "warn" : "good");
  }
  if (s.gcs.present)
    out += tile("gcs view", s.gcs.view_id.empty() ? "-" : esc(s.gcs.view_id),
                s.gcs.primary ? "good" : "warn");
  return out + "</section>";
}

std::string chunkservers(const master_section& m) {
  std::string rows;
  for (auto& c : m.chunkservers) {
    uint64_t used = c.capacity_bytes > c.free_bytes ? c.capacity_bytes - c.free_bytes : 0;
    rows += "<tr class=\"cs\" data-id=\"" + esc(c.id) + "\" data-state=\"" + esc(c.state) + "\">" +
            td(esc(c.id)) + td(esc(c.data)) + td(c.zone.empty() ? "-" : esc(c.zone)) +
            td(badge(c.state) + (c.drain.empty() ? "" : " " + badge(c.drain))) +
            td(age(c.heartbeat_age_ms)) +
            td(bar(used, c.capacity_bytes,
                   format_bytes(used) + " of " + format_bytes(c.capacity_bytes))) +
            td(format_bytes(c.free_bytes)) + td(format_bytes(c.used_bytes)) + td(num(c.chunks)) +
            "</tr>";
  }
  if (rows.empty()) rows = "<tr><td colspan=\"9\">no chunkserver registered</td></tr>";
  auto from = m.from.empty()
                  ? std::string()
                  : "<p class=\"small\">as reported by the master at " + esc(m.from) + "</p>";
  return "<section><h2>Chunkservers</h2>" + from +
         table("chunkservers",
               {"node", "data", "zone", "state", "last heartbeat", "disk used", "free",
                "chunk bytes", "chunks"},
               rows) +
         "</section>";
}

std::string zones(const master_section& m) {
  std::string rows;
  for (auto& z : zones_of(m.chunkservers)) {
    uint64_t used = z.capacity_bytes > z.free_bytes ? z.capacity_bytes - z.free_bytes : 0;
    rows += "<tr>" + td(z.zone.empty() ? "(none)" : esc(z.zone)) + td(num(z.servers)) +
            td(num(z.healthy)) +
            td(bar(used, z.capacity_bytes, format_bytes(z.free_bytes) + " free")) + "</tr>";
  }
  if (rows.empty()) rows = "<tr><td colspan=\"4\">none</td></tr>";
  return "<section><h2>Zones</h2>" +
         table("zones", {"zone", "chunkservers", "healthy", "disk used"}, rows) + "</section>";
}

std::string repair(const master_section& m) {
  auto& r = m.repair;
  uint64_t total = r.done + r.queued + r.in_flight;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f MiB/s", r.bytes_per_s / (1 << 20));
  std::string rows = "<tr>" + td(num(r.queued)) + td(num(r.missing)) + td(num(r.in_flight)) +
                     td(num(r.done)) + td(num(r.failed)) + td(format_bytes(r.bytes_done)) +
                     td(rate) + td(bar(r.done, total, num(r.done) + " of " + num(total))) + "</tr>";
  return "<section><h2>Repair</h2><p class=\"small\">target " + num(m.replication) + " replicas; " +
         num(m.under_replicated) + " chunks under-replicated</p>" +
         table("repair",
               {"queued", "missing", "in flight", "done", "failed", "copied", "rate", "progress"},
               rows) +
         "</section>";
}

std::string members(const membership_section& m) {
  std::string rows;
  for (auto& r : m.members)
    rows += "<tr class=\"member\" data-id=\"" + esc(r.id) + "\" data-state=\"" + esc(r.state) +
            "\">" + td(esc(r.id)) + td(badge(r.state)) + td(num(r.incarnation)) +
            td(age(r.last_heard_ms)) + td(esc(r.address)) +
            td(r.roles.empty() ? "-" : esc(r.roles)) + "</tr>";
  std::string counts;
  for (auto& [state, n] : members_by_state(m.members))
    counts += (counts.empty() ? "" : ", ") + num(n) + " " + esc(state);
  return "<section><h2>Membership</h2><p class=\"small\">" + counts + "; suspicions raised " +
         num(m.suspicions) + ", refutations " + num(m.refutations) + "</p>" +
         table("members", {"member", "state", "incarnation", "last heard", "address", "roles"},
               rows) +
         "</section>";
}

std::string gcs(const gcs_section& g) {
  std::string view_members;
  for (size_t i = 0; i < g.members.size(); ++i)
    view_members += (i ? ", " : "") + num(i) + ": " + esc(g.members[i]);
  std::string rows = "<tr>" + td(g.view_id.empty() ? "-" : esc(g.view_id)) + td(esc(g.state)) +
                     td(badge(g.primary ? "primary" : "not primary")) +
                     td(g.rank < 0 ? "-" : std::to_string(g.rank)) + td(num(g.delivered)) +
                     td(num(g.stable)) + td(num(g.pending)) +
                     td(view_members.empty() ? "-" : view_members) + "</tr>";
  std::string queues;
  for (auto& q : g.queues)
    queues += "<tr class=\"queue\">" + td(num(q.id)) + td(esc(q.label)) + td(num(q.size)) + "</tr>";
  if (queues.empty()) queues = "<tr><td colspan=\"3\">no queues</td></tr>";
  std::string listed =
      g.total_queues > g.queues.size()
          ? "; showing the first " + num(g.queues.size()) + " of " + num(g.total_queues) + " queues"
          : "";
  return "<section><h2>Group communication (FTQueue replica group)</h2>" +
         table("gcs",
               {"view", "state", "primary", "rank", "delivered", "stable", "pending", "members"},
               rows) +
         "<h3>Queues</h3><p class=\"small\">" + num(g.applied) + " operations applied" + listed +
         "</p>" + table("queues", {"id", "label", "size"}, queues) + "</section>";
}

constexpr const char* style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:baseline}
header h1{font-size:18px;margin:0}main{padding:10px 20px}
section{background:#fff;border-radius:6px;padding:10px 14px;margin:10px 0}
h2{font-size:15px;margin:0 0 8px}h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;
border-bottom:1px solid #e3e5ea;white-space:nowrap}th{color:#5a6275;font-weight:600}
.tiles{display:flex;flex-wrap:wrap;gap:10px;background:none;padding:0}
.tile{background:#fff;border-radius:6px;padding:8px 14px;min-width:120px;border-top:4px solid #9aa}
.tile .value{font-size:20px;font-weight:600}.tile .label{color:#5a6275;font-size:12px}
.tile.good{border-color:#2e9d55}.tile.warn{border-color:#d99a00}.tile.bad{border-color:#c62f2f}
.badge{padding:1px 7px;border-radius:9px;color:#fff;font-size:12px}
.badge.good{background:#2e9d55}.badge.warn{background:#d99a00}.badge.bad{background:#c62f2f}
.bar{display:inline-block;width:120px;height:10px;background:#e3e5ea;border-radius:5px;
vertical-align:middle;overflow:hidden}.fill{height:100%;background:#3b78d8}
.fill.warn{background:#d99a00}.fill.bad{background:#c62f2f}.small{color:#5a6275;font-size:12px}
#updated.ok{color:#9fe0b4}#updated.bad{color:#ff9c9c}
)";

// Polls the fragment and swaps it in; on failure keeps the last data and says so.
constexpr const char* script = R"(
(function () {
  var main = document.getElementById('status'), line = document.getElementById('updated');
  var period = Number(main.getAttribute('data-refresh-ms')) || 1000;
  function poll() {
    fetch('/status/fragment', {cache: 'no-store', credentials: 'same-origin'})
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        main.innerHTML = html;
        line.textContent = 'live, updated ' + new Date().toLocaleTimeString();
        line.className = 'ok';
      })
      .catch(function (e) {
        line.textContent = 'refresh failed (' + e.message + '): showing older data';
        line.className = 'bad';
      })
      .finally(function () { setTimeout(poll, period); });
  }
  setTimeout(poll, period);
})();
)";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto ch = decode_utf8(text, i);
    if (ch.bytes == 0 || (is_control(ch.code_point) && ch.code_point != '\n')) {
      out += "&#xfffd;";
      i += ch.bytes ? ch.bytes : 1;
      continue;
    }
    switch (ch.code_point) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.append(text.substr(i, ch.bytes));
    }
    i += ch.bytes;
  }
  return out;
}

std::string render_body(const snapshot& s) {
  std::string out = summary(s);
  if (s.master.present) {
    out += chunkservers(s.master) + zones(s.master) + repair(s.master);
  } else {
    auto link = s.node.master_url.empty()
                    ? std::string("the master's status page")
                    : "<a href=\"" + esc(s.node.master_url) + "\">the master's status page</a>";
    out +=
        "<section><h2>Chunkservers</h2><p class=\"small\">this node runs no master: "
        "chunkservers, zones and repair are on " +
        link + "; their membership state is below</p></section>";
  }
  if (s.membership.present) out += members(s.membership);
  if (s.gcs.present) out += gcs(s.gcs);
  return out;
}

std::string render_page(const snapshot& s, uint32_t refresh_ms) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width\"><title>dfsnode " +
         esc(s.node.id) + "</title><style>" + style + "</style></head><body><header><h1>dfsnode " +
         esc(s.node.id) + "</h1><span>roles: " + esc(s.node.roles) +
         "</span><span id=\"updated\">rendered by the server</span></header>"
         "<main id=\"status\" data-refresh-ms=\"" +
         std::to_string(refresh_ms) + "\">" + render_body(s) + "</main><script>" + script +
         "</script></body></html>";
}

}  // namespace dfs::status
