// Clears OpenSSL's per-thread error queue before each TLS call of libcaf_openssl.
//
// Why: OpenSSL reports a failed call through a per-thread error queue, and SSL_get_error()
// blames any error still queued on the current call. CAF 0.17 drains that queue only inside
// log statements, which do not run at our log level, so one peer that closes without a TLS
// close_notify (every crashed or killed process, every CLI tool that exits) or that fails its
// handshake (anyone without a certificate) leaves an error behind, and the next read on ANY
// connection of CAF's network thread fails: every chunkserver lost its master link each time an
// admin console exited. Our definitions of these four functions come first in the dynamic
// symbol lookup (the executable exports them because libcaf_openssl references them), clear
// the queue as OpenSSL's documentation asks of every caller, and call the real function.
#include <dlfcn.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class F>
F real(const char* name) {
  static_assert(sizeof(F) == sizeof(void*));
  void* p = dlsym(RTLD_NEXT, name);
  F f;
  __builtin_memcpy(&f, &p, sizeof f);
  return f;
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto f = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto f = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return f(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return f(ssl);
}

}  // extern "C"
