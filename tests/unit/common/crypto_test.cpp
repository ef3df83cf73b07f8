#include "common/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using namespace dfs;

namespace {

std::string hex_of(const crypto::digest& d) {
  return crypto::to_hex(crypto::as_view(d));
}

}  // namespace

// RFC 4231, test case 2.
TEST(Crypto, HmacSha256MatchesTheRfcVector) {
  const std::string want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  EXPECT_EQ(hex_of(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")), want);
  crypto::hmac_sha256_key k("Jefe");
  EXPECT_EQ(hex_of(k.sign("what do ya want for nothing?")), want);
  EXPECT_EQ(hex_of(k.sign("what do ya want for nothing?")), want);  // a reused context
}

// Every message starts from the keyed state: no call leaks into the next, whatever the
// lengths (empty, one block, several), the key's length (over a block: hashed first), or the
// thread.
TEST(Crypto, AKeyedHmacEqualsTheOneShotOneForEveryMessageAndThread) {
  for (const std::string& key : {std::string("k"), std::string(100, 'K')}) {
    crypto::hmac_sha256_key k(key);
    for (size_t n : {0, 1, 63, 64, 65, 300, 5000}) {
      std::string data(n, static_cast<char>('a' + n % 26));
      EXPECT_EQ(k.sign(data), crypto::hmac_sha256(key, data)) << "key " << key.size() << " n " << n;
    }
  }
  crypto::hmac_sha256_key k("shared");
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::string data = std::to_string(t) + ":" + std::to_string(i);
        if (k.sign(data) != crypto::hmac_sha256("shared", data)) ++wrong[t];
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}
