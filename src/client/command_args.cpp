#include "client/command_args.hpp"

#include <algorithm>
#include <ctime>

#include "client/storage_error.hpp"
#include "common/parse_decimal.hpp"

namespace dfs {

std::string format_time(uint64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  char buf[32];
  std::tm local{};
  // localtime_r: glibc's localtime re-reads /etc/localtime on every call (a stat per line of
  // `ls` or `stat` output).
  localtime_r(&t, &local);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

bool parse_flags(const args_t& args, const std::vector<std::string>& flags, args_t& pos,
                 std::map<std::string, std::string>& vals, std::string& err) {
  for (size_t i = 1; i < args.size(); ++i) {
    auto& a = args[i];
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      if (std::find(flags.begin(), flags.end(), a) == flags.end()) {
        err = "unknown option '" + a + "'";
        return false;
      }
      // Short options (-l, -R, -s, -r), --force, --stale-ok, --locked and the lock modes are
      // switches.
      if (a.size() == 2 || a == "--force" || a == "--stale-ok" || a == "--locked" ||
          a == "--records" || a == "--shared" || a == "--exclusive") {
        vals[a] = "1";
        continue;
      }
      if (i + 1 >= args.size()) {
        err = "option " + a + " needs a value";
        return false;
      }
      vals[a] = args[++i];
      continue;
    }
    pos.push_back(a);
  }
  return true;
}

uint64_t parse_number(const std::string& s, const std::string& what) {
  auto n = parse_decimal<uint64_t>(s);
  if (!n || *n == 0) throw storage_error(what + " must be a positive number, got '" + s + "'");
  return *n;
}

}  // namespace dfs
