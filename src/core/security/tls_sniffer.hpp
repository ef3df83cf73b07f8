#pragma once
// Follows the record layer of a TLS stream from the client without decrypting it, for the
// control-port gate (net/control_gate.hpp): is this TLS at all, and has the client finished its
// handshake? Every TLS record starts with 5 plain bytes: content type, version (3.x) and length.
// The client's first record is a handshake record (22); the first application-data record (23)
// from the client comes after its Finished message (in TLS 1.3 the encrypted Finished itself is
// sent as type 23). Anything else — a plain CAF/BASP peer, HTTP, garbage — is refused at once.
#include <cstddef>
#include <cstdint>

namespace dfs::security {

class tls_sniffer {
 public:
  enum class state { handshaking, established, not_tls };

  // Longest record TLS allows (2^14 plaintext + 2048 expansion).
  static constexpr size_t max_record_bytes = 16384 + 2048;

  // Consumes the next `n` bytes the client sent; returns the state after them.
  state feed(const uint8_t* data, size_t n);
  state current() const { return state_; }

 private:
  state state_ = state::handshaking;
  uint8_t header_[5] = {};
  size_t header_have_ = 0;
  size_t body_left_ = 0;
  bool first_ = true;
};

}  // namespace dfs::security
