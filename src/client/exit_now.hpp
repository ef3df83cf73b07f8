#pragma once
// How one-shot client and admin commands end: flush what they printed and logged, then leave
// without destroying the actor system. CAF 0.17's multiplexer does not stop while a TLS connect
// it started is still pending (a fileserver that was stopped, e.g. SIGSTOP or a frozen VM, keeps
// the handshake pending for ever), so the actor system's destructor could hang the command long
// after it gave up within client.timeout_ms. The kernel closes the sockets.
namespace dfs {

[[noreturn]] void exit_now(int code);

}  // namespace dfs
