#pragma once
// What the storage commands share to read their arguments: flags and positionals, numbers,
// times as `ls -l` prints them, and --stale-ok for one command.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "client/storage_client.hpp"

namespace dfs {

using args_t = std::vector<std::string>;

// Splits `args` (args[0] is the command) into positionals and --flag value pairs; false with
// `err` on an unknown flag or a missing value. Short options, --force, --stale-ok, --locked,
// --records, --shared and --exclusive are switches ("1").
bool parse_flags(const args_t& args, const std::vector<std::string>& flags, args_t& pos,
                 std::map<std::string, std::string>& vals, std::string& err);

// A decimal >= 1 (common/parse_decimal.hpp); storage_error "WHAT must be a positive number"
// otherwise (--version 0, --jobs 0 and versions N = 0 name nothing).
uint64_t parse_number(const std::string& s, const std::string& what);

// Milliseconds since the epoch as local "YYYY-MM-DD HH:MM:SS".
std::string format_time(uint64_t ms);

// --stale-ok for one command: its reads may come from a standby master; the client's setting
// is back as it was afterwards (the shell keeps one client for every command).
class stale_reads_for {
 public:
  stale_reads_for(storage_client& c, bool on) : c_(c), was_(c.stale_ok()) {
    c_.set_stale_ok(on || was_);
  }
  ~stale_reads_for() { c_.set_stale_ok(was_); }
  stale_reads_for(const stale_reads_for&) = delete;
  stale_reads_for& operator=(const stale_reads_for&) = delete;

 private:
  storage_client& c_;
  bool was_;
};

}  // namespace dfs
