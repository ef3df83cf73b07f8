#pragma once
// File locks on the client side (issue 13 item 5): a held_lock acquires a path's lock from the
// active master, renews it every ttl/3 on its own thread and connection, and releases it when
// destroyed. The master keeps locks as soft state: after a master restart or failover the next
// renewal is answered "lost", which the holder reports (lost() turns true). Commands: `lock`,
// `unlock`, `put --locked`, `edit --locked` (storage_commands.cpp); the shell's session locks
// are released when the shell ends.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "client/actor_system_ref.hpp"
#include "client/storage_client.hpp"

namespace dfs {

class held_lock {
 public:
  // Acquires (waits up to most of client.timeout_ms behind a conflicting holder); throws
  // storage_error naming the holder when it is not granted.
  held_lock(actor_system_ref sys, const config& cfg, std::string path, lock_mode mode,
            uint64_t ttl_ms);
  ~held_lock();  // stops renewing, releases (best effort: an unreachable master lets it expire)
  held_lock(const held_lock&) = delete;
  held_lock& operator=(const held_lock&) = delete;

  bool lost() const { return lost_; }
  const std::string& path() const { return path_; }
  lock_mode mode() const { return mode_; }
  uint64_t expires_in_ms() const { return expires_in_ms_; }  // at the grant

 private:
  void renew_loop();
  lock_request request(lock_op op) const;

  std::unique_ptr<storage_client> client_;  // its own: renewals run beside the caller's work
  std::string path_;
  lock_mode mode_;
  uint64_t ttl_ms_;
  uint64_t expires_in_ms_ = 0;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread renewer_;
};

// "user@host pid N": how other clients' errors and the console name this process.
std::string lock_owner_name();

class storage_client;
// --locked (put, edit, write, append): the exclusive lock of `remote` for the command's
// duration (null when this shell session holds it already; a shared one there must be
// unlocked first: releasing ours would drop it, since the master knows one holder per
// process). Throws storage_error.
std::unique_ptr<held_lock> exclusive_lock(storage_client& client, const std::string& remote);

// The shell's session locks: held until `unlock` or the end of the shell.
void set_shell_session(bool on);
bool in_shell_session();
void keep_session_lock(std::unique_ptr<held_lock> l);
const held_lock* session_lock(const std::string& path);  // null: none held here
bool drop_session_lock(const std::string& path);         // false: this session holds none there
void release_session_locks();

}  // namespace dfs
