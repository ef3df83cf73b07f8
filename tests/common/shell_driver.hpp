#pragma once
// Drives one `dfsnode --role client shell --status-fd 3` the way a user's script would: one
// command line at a time on its stdin, and waits for the exit code the shell writes on fd 3
// when the command is done, so that each command is timed without parsing its output.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace dfs::test {

class shell_driver {
 public:
  // `out_path` gets the shell's stdout (e.g. /dev/null for cat), `err_path` its stderr.
  shell_driver(std::vector<std::string> argv, const std::string& out_path,
               const std::string& err_path) {
    int in[2], st[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(st, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    argv.insert(argv.end(), {"shell", "--status-fd", "3"});
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(in[0], 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::dup2(st[1], 3);  // dup2 clears O_CLOEXEC on the copy
      ::signal(SIGPIPE, SIG_DFL);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(st[1]);
    in_ = in[1];
    status_ = st[0];
  }
  ~shell_driver() {
    ::close(in_);  // end of input: the shell exits
    ::close(status_);
    int s = 0;
    ::waitpid(pid_, &s, 0);
  }
  shell_driver(const shell_driver&) = delete;
  shell_driver& operator=(const shell_driver&) = delete;

  pid_t pid() const { return pid_; }

  // Runs one command line; returns its exit code (throws if the shell died).
  int run(const std::string& line) {
    send(line);
    return wait(line);
  }

  // The two halves of run(), for a test that acts while the command is under way.
  void send(const std::string& line) {
    std::string l = line + "\n";
    for (size_t done = 0; done < l.size();) {
      auto n = ::write(in_, l.data() + done, l.size() - done);
      if (n <= 0) throw std::runtime_error("the shell is gone (write)");
      done += static_cast<size_t>(n);
    }
  }
  int wait(const std::string& line) {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        int code = std::stoi(buf_.substr(0, nl));
        buf_.erase(0, nl + 1);
        return code;
      }
      char b[64];
      auto n = ::read(status_, b, sizeof b);
      if (n <= 0) throw std::runtime_error("the shell is gone (no status for '" + line + "')");
      buf_.append(b, static_cast<size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1, status_ = -1;
  std::string buf_;
};

}  // namespace dfs::test
