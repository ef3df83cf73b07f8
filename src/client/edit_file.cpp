#include "client/edit_file.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "client/remote_path.hpp"
#include "client/storage_error.hpp"
#include "common/escape.hpp"

namespace dfs {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The editor the user asked for; run through the shell so that "code --wait" works too.
int run_editor(const std::string& path) {
  const char* ed = std::getenv("VISUAL");
  if (ed == nullptr || *ed == '\0') ed = std::getenv("EDITOR");
  if (ed == nullptr || *ed == '\0') ed = "vi";
  pid_t pid = ::fork();
  if (pid < 0) throw storage_error("cannot start the editor: fork failed");
  if (pid == 0) {
    std::string cmd = std::string(ed) + " \"$1\"";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), "sh", path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A private temporary file named after the remote file (editors pick a mode from the suffix).
std::string temp_copy_path(const std::string& remote) {
  const char* dir = std::getenv("TMPDIR");
  std::string base = base_name(remote);
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/dfs-edit-XXXXXX-" + base;
  int fd = ::mkstemps(tmpl.data(), static_cast<int>(base.size() + 1));
  if (fd < 0) throw storage_error("cannot create a temporary file in " + tmpl);
  ::close(fd);
  return tmpl;
}

}  // namespace

int edit_remote(storage_client& c, const std::string& remote, bool force) {
  auto st = c.ns(ns_op::stat, remote);
  if (st.entries.at(0).is_dir) throw storage_error(remote + " is a directory");
  auto base = st.versions.at(0);
  auto copy = temp_copy_path(remote);
  try {
    c.get_to_file(remote, base.number, copy);
  } catch (...) {
    std::remove(copy.c_str());  // nothing of the user's in it yet
    throw;
  }
  auto before = read_file(copy);
  if (int rc = run_editor(copy); rc != 0) {
    std::remove(copy.c_str());
    throw storage_error("the editor exited with status " + std::to_string(rc) +
                        "; nothing uploaded");
  }
  if (read_file(copy) == before) {
    std::remove(copy.c_str());
    std::cout << escape_unprintable(remote) << ": unchanged (version " << base.number
              << "); nothing uploaded\n";
    return 0;
  }
  try {
    auto v = c.put(copy, remote, base.chunk_size_bytes, nullptr, force ? 0 : base.number);
    std::remove(copy.c_str());
    std::cout << escape_unprintable(remote) << ": version " << v.number << ", " << v.size_bytes
              << " bytes (edited from version " << base.number << ")\n";
    return 0;
  } catch (const storage_error& e) {
    throw e.with_more("; your edit is kept in " + copy);
  }
}

}  // namespace dfs
