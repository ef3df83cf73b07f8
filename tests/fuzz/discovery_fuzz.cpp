// LAN discovery packets (core/discovery): anyone on the LAN can send datagrams to the
// multicast group a server listens on, and answers to a client's probing socket.
//
// The input is decoded as it is, and with its MAC fixed up (no fuzzer forges HMAC-SHA256:
// this reaches the parsing of the signed body), then fed to a server (answer_probe) and to a
// client (finder).
//
// Properties: a packet that decodes encodes back to the very same bytes; a server answers only
// probes, with an answer that repeats the probe's nonce; a finder keeps only answers to its own
// nonce, at most max_found of them.
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "core/discovery/finder.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace dfs;
using namespace dfs::discovery;

namespace {

const std::string& key() {
  static const std::string k = packet_key("fuzz discovery key");
  return k;
}

std::string resign(std::string_view b) {
  if (b.size() < mac_bytes) return std::string(b);
  auto body = b.substr(0, b.size() - mac_bytes);
  return std::string(body) + std::string(crypto::as_view(crypto::hmac_sha256(key(), body)));
}

void check(std::string_view bytes) {
  auto p = decode(bytes, key());
  if (p) {
    auto again = p->type == packet_type::probe ? encode_probe(p->nonce, key())
                                               : encode_answer(p->nonce, p->body, key());
    FUZZ_CHECK(again == bytes);
  }
  const answer self{"127.0.0.1", 17010, static_cast<uint8_t>(discovery_role::master)};
  auto reply = answer_probe(bytes, self, key());
  FUZZ_CHECK(reply.has_value() == (p && p->type == packet_type::probe));
  if (reply) {
    auto r = decode(*reply, key());
    FUZZ_CHECK(r && r->type == packet_type::answer && r->nonce == p->nonce && r->body == self);
  }
  finder f(p ? p->nonce : 7, key());
  f.on_datagram(bytes);
  FUZZ_CHECK(f.found().size() <= 1);
  FUZZ_CHECK(f.found().size() == (p && p->type == packet_type::answer ? 1u : 0u));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check(in);
  check(resign(in));
  return 0;
}
