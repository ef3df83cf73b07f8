// The status page's renderers: escaping of cluster-supplied text, the hooks the browser test
// and scripts rely on (data-state rows, the refresh script, JSON fields), summaries by zone and
// state, and valid JSON whatever the names hold.
#include <gtest/gtest.h>

#include <cctype>

#include "core/status/status_html.hpp"
#include "core/status/status_json.hpp"

using namespace dfs::status;

namespace {

// A strict-enough JSON checker: one value, then the end.
struct json_checker {
  std::string_view s;
  size_t p = 0;
  void ws() {
    while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
  }
  bool lit(std::string_view w) {
    if (s.substr(p, w.size()) != w) return false;
    p += w.size();
    return true;
  }
  bool str() {
    if (!lit("\"")) return false;
    while (p < s.size() && s[p] != '"') {
      if (static_cast<unsigned char>(s[p]) < 0x20) return false;
      p += s[p] == '\\' ? 2 : 1;
    }
    return lit("\"");
  }
  bool number() {
    size_t start = p;
    while (p < s.size() && (std::isdigit(static_cast<unsigned char>(s[p])) || s[p] == '-' ||
                            s[p] == '.' || s[p] == 'e' || s[p] == '+'))
      ++p;
    return p > start;
  }
  template <class F>
  bool seq(char open, char close, F item) {
    if (!lit(std::string(1, open))) return false;
    ws();
    if (lit(std::string(1, close))) return true;
    do {
      ws();
      if (!item()) return false;
      ws();
    } while (lit(","));
    return lit(std::string(1, close));
  }
  bool value() {
    ws();
    if (p >= s.size()) return false;
    if (s[p] == '{')
      return seq('{', '}', [&] {
        if (!str()) return false;
        ws();
        return lit(":") && value();
      });
    if (s[p] == '[') return seq('[', ']', [&] { return value(); });
    if (s[p] == '"') return str();
    return lit("true") || lit("false") || lit("null") || number();
  }
  bool valid() {
    bool ok = value();
    ws();
    return ok && p == s.size();
  }
};

snapshot master_snapshot() {
  snapshot s;
  s.node = {"127.0.0.1:7000#1", "master", 7003, ""};
  s.membership.present = true;
  s.membership.members = {
      {"127.0.0.1:7000#1", "alive", 0, -1, "127.0.0.1:7000", "master"},
      {"127.0.0.1:7010#2", "suspect", 1, 1200, "127.0.0.1:7010", "chunkserver"}};
  s.membership.suspicions = 2;
  s.master.present = true;
  s.master.files = 3;
  s.master.chunks = 12;
  s.master.under_replicated = 4;
  s.master.replication = 3;
  s.master.repair = {5, 1, 2, 7, 0, 1 << 20, 2.0 * (1 << 20)};
  s.master.chunkservers = {
      {"127.0.0.1:7010#2", "127.0.0.1:7011", "a", "healthy", "", 300, 1000, 250, 10, 4},
      {"127.0.0.1:7020#3", "127.0.0.1:7021", "a", "unhealthy", "draining", 2500, 1000, 0, 0, 0},
      {"127.0.0.1:7030#4", "127.0.0.1:7031", "b", "removed", "", 9000, 1000, 1000, 0, 0}};
  return s;
}

}  // namespace

TEST(StatusHtml, EscapesEverythingFromTheCluster) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(html_escape("x\xff"
                        "y"),
            "x&#xfffd;y");
  EXPECT_EQ(html_escape(std::string("n\0l\x1b", 4)), "n&#xfffd;l&#xfffd;");
  snapshot s;
  s.gcs.present = true;
  s.gcs.queues = {{1, "<script>alert(1)</script>", 2}};
  s.node.id = "\"><img src=x onerror=alert(1)>";
  auto page = render_page(s, 1000);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(StatusHtml, ChunkserverRowsCarryTheirStateAndCapacityBars) {
  auto body = render_body(master_snapshot());
  EXPECT_NE(body.find("<tr class=\"cs\" data-id=\"127.0.0.1:7010#2\" data-state=\"healthy\">"),
            std::string::npos);
  EXPECT_NE(body.find("data-id=\"127.0.0.1:7020#3\" data-state=\"unhealthy\""), std::string::npos);
  EXPECT_NE(body.find("data-state=\"removed\""), std::string::npos);
  EXPECT_NE(body.find("style=\"width:75.0%\""), std::string::npos);  // 750 of 1000 used
  EXPECT_NE(body.find("class=\"fill bad\" style=\"width:100.0%\""), std::string::npos);
  EXPECT_NE(body.find("<tr class=\"member\" data-id=\"127.0.0.1:7010#2\" data-state=\"suspect\">"),
            std::string::npos);
  // Summary: healthy of the servers not removed; under-replicated and missing counts.
  EXPECT_NE(body.find("1 / 2"), std::string::npos);
  EXPECT_NE(body.find("<div class=\"tile bad\"><div class=\"value\">1</div><div "
                      "class=\"label\">chunkservers removed</div>"),
            std::string::npos);
  EXPECT_NE(body.find("id=\"zones\""), std::string::npos);
  EXPECT_NE(body.find("id=\"repair\""), std::string::npos);
  EXPECT_NE(body.find("2.0 MiB/s"), std::string::npos);
  EXPECT_NE(body.find("7 of 14"), std::string::npos);  // repair progress: done of all
}

TEST(StatusHtml, PageRefreshesItselfFromTheFragment) {
  auto page = render_page(master_snapshot(), 1500);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<main id=\"status\" data-refresh-ms=\"1500\">"), std::string::npos);
  EXPECT_NE(page.find("fetch('/status/fragment'"), std::string::npos);
  // Nothing is loaded from elsewhere: the page works without internet.
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
}

TEST(StatusHtml, NodeWithoutMasterPointsToTheMastersPage) {
  snapshot s;
  s.gcs.present = true;
  s.gcs.view_id = "v3";
  s.gcs.primary = true;
  s.gcs.members = {"a#1", "b#2"};
  s.gcs.queues = {{4, "17", 9}};
  auto body = render_body(s);
  EXPECT_NE(body.find("this node runs no master"), std::string::npos);
  s.node.master_url = "https://10.0.0.1:7003/";
  EXPECT_NE(render_body(s).find("<a href=\"https://10.0.0.1:7003/\">"), std::string::npos);
  EXPECT_NE(body.find("<td>0: a#1, 1: b#2</td>"), std::string::npos);
  EXPECT_NE(body.find("<tr class=\"queue\"><td>4</td><td>17</td><td>9</td></tr>"),
            std::string::npos);
}

TEST(StatusModel, ZonesAndStates) {
  auto s = master_snapshot();
  auto z = zones_of(s.master.chunkservers);
  ASSERT_EQ(z.size(), 1u);  // the removed server (zone b) no longer counts
  EXPECT_EQ(z[0].zone, "a");
  EXPECT_EQ(z[0].servers, 2u);
  EXPECT_EQ(z[0].healthy, 1u);
  EXPECT_EQ(z[0].capacity_bytes, 2000u);
  auto by = members_by_state(s.membership.members);
  EXPECT_EQ(by["alive"], 1u);
  EXPECT_EQ(by["suspect"], 1u);
}

TEST(StatusJson, ValidWithSectionsOrNull) {
  auto j = render_json(master_snapshot());
  EXPECT_TRUE(json_checker{j}.valid()) << j;
  EXPECT_NE(j.find("\"state\":\"unhealthy\""), std::string::npos);
  EXPECT_NE(j.find("\"under_replicated\":4,\"missing\":1"), std::string::npos);
  EXPECT_NE(j.find("\"by_state\":{\"alive\":1,\"suspect\":1}"), std::string::npos);
  EXPECT_NE(j.find("\"gcs\":null"), std::string::npos);
  EXPECT_NE(j.find("\"bytes_per_s\":2097152.0"), std::string::npos);

  snapshot empty;
  auto e = render_json(empty);
  EXPECT_TRUE(json_checker{e}.valid()) << e;
  EXPECT_NE(e.find("\"master\":null"), std::string::npos);

  snapshot odd;
  odd.gcs.present = true;
  odd.gcs.members = {"q\"\\\n\xff"};
  odd.gcs.queues = {{1, std::string("\0\x01", 2), 0}};
  auto o = render_json(odd);
  EXPECT_TRUE(json_checker{o}.valid()) << o;
}
