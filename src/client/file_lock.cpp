// file_lock.hpp has the rules.
#include "client/file_lock.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

#include "client/storage_client.hpp"
#include "client/storage_error.hpp"
#include "common/escape.hpp"
#include "common/logging.hpp"

namespace dfs {

std::string lock_owner_name() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::string name =
      std::string(user && *user ? user : "?") + "@" + host + " pid " + std::to_string(::getpid());
  if (name.size() > 200) name.resize(200);
  // The master refuses control characters in owner names (they are printed to others).
  for (auto& c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return name;
}

held_lock::held_lock(actor_system_ref sys, const config& cfg, std::string path, lock_mode mode,
                     uint64_t ttl_ms)
    : client_(std::make_unique<storage_client>(std::move(sys), cfg)),
      path_(std::move(path)),
      mode_(mode),
      ttl_ms_(ttl_ms) {
  expires_in_ms_ = client_->lock(request(lock_op::acquire)).expires_in_ms;
  renewer_ = std::thread([this] { renew_loop(); });
}

held_lock::~held_lock() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  if (lost_) return;
  try {
    (void)client_->lock(request(lock_op::release));
  } catch (const std::exception& e) {
    log::get("client")->warn("lock_release_failed path={} error=\"{}\"", path_, e.what());
  }
}

lock_request held_lock::request(lock_op op) const {
  lock_request r;
  r.op = op;
  r.path = path_;
  r.mode = mode_;
  r.ttl_ms = ttl_ms_;
  r.owner = lock_owner_name();
  return r;
}

void held_lock::renew_loop() {
  auto period = std::chrono::milliseconds(std::max<uint64_t>(ttl_ms_ / 3, 1));
  std::unique_lock<std::mutex> g(mu_);
  while (!cv_.wait_for(g, period, [this] { return stop_; })) {
    g.unlock();
    try {
      (void)client_->lock(request(lock_op::renew));
    } catch (const storage_error& e) {
      if (e.code == master::errc::not_found) {  // expired, or a new active master
        std::cerr << "error: " << e.what() << "\n";
        lost_ = true;
        return;
      }
      // Unreachable master: try again next period (the hold lasts ttl, three periods).
      log::get("client")->warn("lock_renew_failed path={} error=\"{}\"", path_, e.what());
    } catch (const std::exception& e) {
      log::get("client")->warn("lock_renew_failed path={} error=\"{}\"", path_, e.what());
    }
    g.lock();
  }
}

namespace {

std::atomic<bool> shell_session{false};
std::map<std::string, std::unique_ptr<held_lock>>& session_locks() {
  static std::map<std::string, std::unique_ptr<held_lock>> locks;
  return locks;
}

}  // namespace

void set_shell_session(bool on) {
  shell_session = on;
}
bool in_shell_session() {
  return shell_session;
}

void keep_session_lock(std::unique_ptr<held_lock> l) {
  auto path = l->path();
  session_locks()[path] = std::move(l);
}

const held_lock* session_lock(const std::string& path) {
  auto it = session_locks().find(path);
  return it == session_locks().end() ? nullptr : it->second.get();
}

bool drop_session_lock(const std::string& path) {
  return session_locks().erase(path) > 0;
}

void release_session_locks() {
  session_locks().clear();
}

std::unique_ptr<held_lock> exclusive_lock(storage_client& client, const std::string& remote) {
  if (auto* held = session_lock(remote)) {
    if (held->mode() == lock_mode::exclusive) return nullptr;
    throw storage_error("--locked: this session holds a shared lock on " +
                        escape_unprintable(remote) + "; unlock it first");
  }
  return std::make_unique<held_lock>(client.system(), client.cfg(), remote, lock_mode::exclusive,
                                     client.cfg().lock.default_ttl_ms);
}

}  // namespace dfs
