// The lean CLI's control-port helper (client/proxy_master_fallback.hpp) and the pipe protocol
// between them (client/control_proxy_wire.hpp): frames round-trip; malformed ones are refused,
// never half-read; a helper that cannot start, answers garbage, dies or hangs makes the call
// fail with one clear line within its time, and a hung helper is stopped (by its PID).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "client/control_proxy_wire.hpp"
#include "client/proxy_master_fallback.hpp"
#include "common/temp_dir.hpp"

using namespace dfs;
using namespace std::chrono_literals;
using result = master_fallback::result;

namespace {

TEST(ControlProxyWire, RequestsAndResultsRoundTrip) {
  proxy_wire::request r{proto::request_method::commit, 1234, 5678, "10.0.0.1:17010",
                        std::string("\0body\xff", 6)};
  auto back = proxy_wire::decode_request(proxy_wire::encode(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->method, r.method);
  EXPECT_EQ(back->connect_ms, 1234u);
  EXPECT_EQ(back->timeout_ms, 5678u);
  EXPECT_EQ(back->master, r.master);
  EXPECT_EQ(back->body, r.body);
  result res{result::connect_refused, "login refused", "reply bytes"};
  auto got = proxy_wire::decode_result(proxy_wire::encode(res));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, result::connect_refused);
  EXPECT_EQ(got->text, "login refused");
  EXPECT_EQ(got->body, "reply bytes");
}

TEST(ControlProxyWire, MalformedPayloadsAreRefused) {
  auto ok = proxy_wire::encode(proxy_wire::request{proto::request_method::ns, 1, 1, "h:1", "b"});
  // Every cut inside the head is refused (the body may be empty).
  for (size_t n = 0; n < 1 + 1 + 4 + 4 + 2 + 3; ++n)
    EXPECT_FALSE(proxy_wire::decode_request(ok.substr(0, n))) << n;
  auto bad = ok;
  bad[1] = 0;  // no such method
  EXPECT_FALSE(proxy_wire::decode_request(bad));
  bad[1] = 99;
  EXPECT_FALSE(proxy_wire::decode_request(bad));
  auto res = proxy_wire::encode(result{result::answered, "text", ""});
  for (size_t n = 0; n < 1 + 1 + 4 + 4; ++n)
    EXPECT_FALSE(proxy_wire::decode_result(res.substr(0, n)));
  // One is never taken for the other (a helper that echoes is not answering).
  EXPECT_FALSE(proxy_wire::decode_result(ok));
  EXPECT_FALSE(proxy_wire::decode_request(res));
  res[1] = 7;  // no such kind
  EXPECT_FALSE(proxy_wire::decode_result(res));
}

TEST(ControlProxyWire, FramesCrossAPipeWholeAndOversizedOnesAreRefused) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_TRUE(proxy_wire::write_frame(p[1], "hello"));
  std::string got;
  ASSERT_TRUE(proxy_wire::read_frame(p[0], got));
  EXPECT_EQ(got, "hello");
  // A length over the bound is refused before anything is allocated or read.
  const unsigned char huge[4] = {0xff, 0xff, 0xff, 0xff};
  ASSERT_EQ(::write(p[1], huge, 4), 4);
  EXPECT_FALSE(proxy_wire::read_frame(p[0], got));
  // A frame cut by EOF.
  const unsigned char cut[6] = {10, 0, 0, 0, 'a', 'b'};
  ASSERT_EQ(::write(p[1], cut, 6), 6);
  ::close(p[1]);
  EXPECT_FALSE(proxy_wire::read_frame(p[0], got));
  ::close(p[0]);
}

auto master = *endpoint::parse("127.0.0.1:1");

result ask(proxy_master_fallback& f, std::chrono::milliseconds timeout = 200ms) {
  return f.call(master, proto::request_method::ns, "req", std::chrono::steady_clock::now(),
                timeout);
}

TEST(ProxyMasterFallback, AHelperThatCannotStartFailsTheConnect) {
  proxy_master_fallback f({"/nonexistent/dfsnode-full", "control-proxy"});
  auto r = ask(f);
  EXPECT_EQ(r.kind, result::connect_failed);
  EXPECT_NE(r.text.find("cannot start '/nonexistent/dfsnode-full'"), std::string::npos) << r.text;
}

TEST(ProxyMasterFallback, GarbageOrADeadHelperFailsTheCall) {
  // `true` exits at once: EOF instead of an answer.
  proxy_master_fallback dead({"/bin/true"});
  auto r = ask(dead);
  EXPECT_EQ(r.kind, result::failed);
  EXPECT_NE(r.text.find("did not answer"), std::string::npos) << r.text;
  // `cat` echoes the request frame back: not a result (its first byte is no kind).
  proxy_master_fallback echo({"/bin/cat"});
  r = ask(echo);
  EXPECT_EQ(r.kind, result::failed);
}

TEST(ProxyMasterFallback, AHelperThatAnswersIsUsedAgainAndAHungOneIsStoppedInTime) {
  test::temp_dir tmp;
  // A helper script answering every request with the same result frame.
  auto frame = proxy_wire::encode(result{result::answered, "", "the reply"});
  std::string framed;
  for (int i = 0; i < 4; ++i) framed.push_back(static_cast<char>((frame.size() >> (8 * i)) & 0xff));
  framed += frame;
  std::ofstream(tmp.path() + "/answer.bin", std::ios::binary) << framed;
  // It reads one request frame (its size known: every request here is the same), answers, and
  // ends at EOF.
  auto request_bytes = 4 + proxy_wire::encode(proxy_wire::request{proto::request_method::ns, 0, 0,
                                                                  master.to_string(), "req"})
                               .size();
  auto script = tmp.path() + "/helper.sh";
  std::ofstream(script) << "#!/bin/sh\nwhile [ \"$(head -c " << request_bytes << " | wc -c)\" -eq "
                        << request_bytes << " ]; do cat '" << tmp.path() << "/answer.bin'; done\n";
  ASSERT_EQ(::chmod(script.c_str(), 0700), 0);
  proxy_master_fallback good({script});
  for (int i = 0; i < 2; ++i) {
    auto r = ask(good, 5000ms);
    EXPECT_EQ(r.kind, result::answered) << r.text;
    EXPECT_EQ(r.body, "the reply");
  }
  // A helper that never answers: the call ends within its time (+ the 2 s grace), failed.
  proxy_master_fallback hung({"/bin/sleep", "600"});
  auto t0 = std::chrono::steady_clock::now();
  auto r = ask(hung, 100ms);
  EXPECT_EQ(r.kind, result::failed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

}  // namespace
