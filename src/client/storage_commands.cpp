#include "client/storage_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "client/command_error.hpp"
#include "client/edit_file.hpp"
#include "client/file_lock.hpp"
#include "client/lock_command.hpp"
#include "client/make_dir.hpp"
#include "client/mutation_commands.hpp"
#include "client/record_reader.hpp"
#include "client/remote_path.hpp"
#include "client/remove_tree.hpp"
#include "client/storage_client.hpp"
#include "client/tree_transfer.hpp"
#include "common/escape.hpp"
#include "common/limits.hpp"
#include "common/text_table.hpp"
#include "core/master/ids.hpp"

namespace dfs {

namespace {

using args_t = std::vector<std::string>;
namespace fs = std::filesystem;

// Transfers smaller than this finish before a progress bar is worth drawing.
constexpr uint64_t min_progress_bar_bytes = 4u << 20;
constexpr double bytes_per_mib = 1 << 20;
// `versions REMOTE N` asks for at most this many versions, whatever N says.
constexpr uint64_t max_versions_listed = 1000;

std::string hex(uint64_t h) {
  return master::chunk_handle{h}.to_string();
}

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

// Splits `args` into positionals and --flag value pairs; false on an unknown flag.
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

uint64_t parse_number(const std::string& s, const std::string& what) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 18)
    throw storage_error(what + " must be a positive number, got '" + s + "'");
  return std::stoull(s);
}

// A progress bar on stderr while `work` runs, when stdout is a terminal and the transfer is
// big enough to be worth one.
template <class F>
auto with_progress(transfer_progress& p, F work) {
  std::atomic<bool> done{false};
  std::thread bar([&] {
    if (!isatty(STDOUT_FILENO) || !isatty(STDERR_FILENO)) return;
    auto t0 = std::chrono::steady_clock::now();
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // screen refresh rate
      if (p.total_bytes < min_progress_bar_bytes || done) continue;
      double frac = double(p.done_bytes) / double(p.total_bytes);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      int w = 30, fill = int(frac * w);
      std::fprintf(stderr, "\r[%s%s] %3d%% %.1f MiB/s ", std::string(fill, '#').c_str(),
                   std::string(w - fill, ' ').c_str(), int(frac * 100),
                   double(p.done_bytes) / bytes_per_mib / std::max(secs, 0.001));
    }
    if (p.total_bytes >= min_progress_bar_bytes) std::fprintf(stderr, "\r%60s\r", "");
  });
  try {
    auto r = work();
    done = true;
    bar.join();
    return r;
  } catch (...) {
    done = true;
    bar.join();
    throw;
  }
}

// put -r / get -r: the summary on stdout, each failure on stderr, exit 1 if any failed.
int tree_summary(const char* verb, const tree_result& r) {
  std::printf("%s -r: %s: %llu files, %llu directories, %s in %.1f s (%.1f MiB/s)\n", verb,
              escape_unprintable(r.root).c_str(), static_cast<unsigned long long>(r.files),
              static_cast<unsigned long long>(r.dirs), format_bytes(r.bytes).c_str(), r.seconds,
              r.bytes / 1048576.0 / std::max(r.seconds, 0.001));
  std::fflush(stdout);
  for (auto& s : r.skipped)
    std::cerr << "skipped (not a regular file or directory): " << escape_unprintable(s) << "\n";
  for (auto& [path, why] : r.failed)
    std::cerr << "failed: " << escape_unprintable(path) << ": " << why << "\n";
  if (r.failed.empty()) return 0;
  std::cerr << "dfsnode: error: " << r.failed.size() << " of " << r.files + r.failed.size()
            << " failed\n";
  return 1;
}

unsigned parse_jobs(std::map<std::string, std::string>& f) {
  if (!f.count("--jobs")) return 4;
  auto n = parse_number(f["--jobs"], "--jobs");
  if (n < 1 || n > 64) throw storage_error("--jobs: expected 1..64");
  return static_cast<unsigned>(n);
}

bool remote_is_dir(storage_client& client, const std::string& path) {
  try {
    return client.ns(ns_op::stat, path).entries.at(0).is_dir;
  } catch (const storage_error& e) {
    if (e.code == master::errc::not_found) return false;
    throw;
  }
}

int cmd_put(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"--chunk-size", "-r", "--jobs", "--locked"}, pos, f, err))
    return command_error(err);
  if (pos.size() != 2 || (f.count("-r") && f.count("--locked")))
    return command_error(
        "usage: put LOCAL REMOTE [--chunk-size S] [--locked] | put -r LOCALDIR REMOTEDIR [--jobs "
        "N]");
  uint64_t cs = 0;
  if (f.count("--chunk-size")) {
    auto v = parse_size(f["--chunk-size"]);
    if (!v || *v < limits::min_chunk_size_bytes || *v > limits::max_chunk_size_bytes)
      return command_error("--chunk-size '" + f["--chunk-size"] + "': expected 1KiB..64MiB");
    cs = *v;
  }
  if (f.count("-r"))
    return tree_summary("put", put_tree(client, pos[0], pos[1], {cs, parse_jobs(f)}));
  // Into a directory as cp puts it: `put a.txt /docs/` or `put a.txt /docs` (an existing
  // directory) stores /docs/a.txt. A trailing slash says so at once; otherwise the master's "is a
  // directory" does, so that the usual put to a file name asks nothing first. --locked must know
  // the file before it locks it: a stat then.
  const auto& local = pos[0];
  auto remote = pos[1];
  bool locked = f.count("--locked") > 0;
  bool into_dir = remote.size() > 1 && remote.back() == '/';
  if (into_dir)  // "/docs/" + "a.txt"; "//" and "/docs//" stay bad paths
    remote += base_name(local);
  else if (locked && remote_is_dir(client, remote))
    remote = join_remote(remote, base_name(local));
  auto lock = locked ? exclusive_lock(client, remote) : nullptr;
  auto put = [&](const std::string& to) {
    transfer_progress p;
    return with_progress(p, [&] { return client.put(local, to, cs, &p); });
  };
  ns_version v;
  try {
    v = put(remote);
  } catch (const storage_error& e) {
    // Chunks a refused put already pushed (small files go to reserved chunks without asking)
    // are collected like those of any failed put.
    if (e.code != master::errc::is_a_directory || into_dir || locked) throw;
    remote = join_remote(remote, base_name(local));
    v = put(remote);
  }
  if (lock && lock->lost())
    return command_error("put: the exclusive lock was lost during the upload");
  std::cout << escape_unprintable(remote) << ": version " << v.number << ", " << v.size_bytes
            << " bytes, "
            << (v.chunk_count == 0 && v.size_bytes > 0 ? std::string("stored inline")
                                                       : std::to_string(v.chunk_count) + " chunks")
            << "\n";
  return 0;
}

int cmd_get(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"--version", "-r", "--jobs", "--stale-ok"}, pos, f, err))
    return command_error(err);
  if (pos.size() != 2)
    return command_error(
        "usage: get REMOTE LOCAL [--version N] [--stale-ok] | get -r REMOTEDIR LOCALDIR [--jobs "
        "N]");
  stale_reads_for stale(client, f.count("--stale-ok") > 0);
  if (f.count("-r")) {
    if (f.count("--version"))
      return command_error("get -r takes the newest versions (no --version)");
    return tree_summary("get", get_tree(client, pos[0], pos[1], {0, parse_jobs(f)}));
  }
  uint64_t version = f.count("--version") ? parse_number(f["--version"], "--version") : 0;
  // Into a local directory as cp copies: `get /docs/a.txt .` writes ./a.txt (the file itself
  // is then written as any LOCAL is: download_file.hpp). A symbolic link to a directory is not
  // followed: it stays refused like any link at LOCAL.
  auto local = pos[1];
  std::error_code ec;
  if (local != "-" && pos[0] != "/" &&
      fs::symlink_status(local, ec).type() == fs::file_type::directory)
    local = (fs::path(local) / base_name(pos[0])).string();
  transfer_progress p;
  auto v = with_progress(p, [&] { return client.get_to_file(pos[0], version, local, &p); });
  if (local == "-") return 0;  // stdout holds the file's bytes and nothing else
  std::cout << escape_unprintable(local) << ": version " << v.number << ", " << v.size_bytes
            << " bytes\n";
  return 0;
}

int cmd_cat(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"--version", "--stale-ok", "--records"}, pos, f, err))
    return command_error(err);
  if (pos.size() != 1)
    return command_error("usage: cat REMOTE [--records] [--version N] [--stale-ok]");
  stale_reads_for stale(client, f.count("--stale-ok") > 0);
  uint64_t version = f.count("--version") ? parse_number(f["--version"], "--version") : 0;
  auto out = [](std::string_view d) {
    std::cout.write(d.data(), static_cast<std::streamsize>(d.size()));
  };
  if (f.count("--records")) {
    // The payloads only, back to back: a record that needs a separator carries its own.
    read_records(client, pos[0], version, [&](records::record_id, std::string_view p) { out(p); });
  } else {
    client.get(pos[0], version, [&](uint64_t, std::string_view d) { out(d); });
  }
  std::cout.flush();
  return 0;
}

std::string replicas_text(const ns_chunk& c) {
  std::string s;
  for (auto& r : c.replicas)
    s += (s.empty() ? "" : ",") + r.id.host + ":" + std::to_string(r.id.port);
  return s.empty() ? "-" : s;
}

void list_one(storage_client& c, const std::string& dir, const ns_reply& r, bool long_form);

// ls -R: each directory under a "PATH:" header, children after their parent (as ls -R does).
void list_tree(storage_client& c, const std::string& dir, bool long_form, bool header) {
  auto r = c.ns(ns_op::list, dir);
  if (header) std::cout << "\n" << escape_unprintable(dir) << ":\n";
  list_one(c, dir, r, long_form);
  for (auto& e : r.entries)
    if (e.is_dir) list_tree(c, join_remote(dir, e.name), long_form, true);
}

int cmd_ls(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"-l", "-R", "--stale-ok"}, pos, f, err)) return command_error(err);
  if (pos.size() > 1) return command_error("usage: ls [-l] [-R] [--stale-ok] [DIR]");
  stale_reads_for stale(client, f.count("--stale-ok") > 0);
  std::string dir = pos.empty() ? "/" : pos[0];
  if (f.count("-R")) {
    std::cout << escape_unprintable(dir) << ":\n";
    list_tree(client, dir, f.count("-l") > 0, false);
    return 0;
  }
  list_one(client, dir, client.ns(ns_op::list, dir), f.count("-l") > 0);
  return 0;
}

void list_one(storage_client& c, const std::string& dir, const ns_reply& r, bool long_form) {
  if (!long_form) {
    // Names come from the master: escaped, one entry per line whatever they hold (the -l table
    // escapes its cells itself).
    for (auto& e : r.entries)
      std::cout << escape_unprintable(e.name) << (e.is_dir ? "/" : "") << "\n";
    return;
  }
  text_table t({"NAME", "SIZE", "VERSIONS", "CHUNKS", "MODIFIED", "REPLICAS"},
               {false, true, true, true, false, false});
  for (auto& e : r.entries) {
    if (e.is_dir) {
      t.add({e.name + "/", "-", "-", "-", "-", "-"});
      continue;
    }
    std::string reps;
    auto path = r.entries.size() == 1 && e.name == base_name(dir) ? dir : join_remote(dir, e.name);
    try {
      auto l = c.layout_now(path);
      if (!l.inline_data.empty()) reps = "inline";  // its bytes are in the namespace
      // Chunks on the same replicas are listed once: "0-9:a,b,c 10:a,b".
      for (size_t i = 0; i < l.chunks.size();) {
        auto where = replicas_text(l.chunks[i]);
        size_t j = i + 1;
        while (j < l.chunks.size() && replicas_text(l.chunks[j]) == where) ++j;
        reps += (reps.empty() ? "" : " ") + std::to_string(i) +
                (j - i > 1 ? "-" + std::to_string(j - 1) : "") + ":" + where;
        i = j;
      }
    } catch (const storage_error&) {
    }
    t.add({e.name, std::to_string(e.size_bytes), std::to_string(e.version_count),
           std::to_string(e.chunk_count), format_time(e.mtime_ms), reps.empty() ? "-" : reps});
  }
  std::cout << t.render();
}

// du: bytes of the newest versions below the directory `dir` (what a get -r would fetch), one
// line per directory (children first, as du does) unless `summary`; returns the total.
uint64_t du_tree(storage_client& c, const std::string& dir, bool summary, uint64_t& files) {
  uint64_t total = 0;
  for (auto& e : c.ns(ns_op::list, dir).entries) {
    if (e.is_dir) {
      total += du_tree(c, join_remote(dir, e.name), summary, files);
    } else {
      total += e.size_bytes;
      ++files;
    }
  }
  if (!summary) std::cout << total << "\t" << escape_unprintable(dir) << "\n";
  return total;
}

int cmd_du(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"-s"}, pos, f, err)) return command_error(err);
  if (pos.size() > 1) return command_error("usage: du [-s] [PATH]");
  std::string path = pos.empty() ? "/" : pos[0];
  uint64_t files = 0, total = 0;
  auto st = client.ns(ns_op::stat, path);
  if (!st.entries.at(0).is_dir) {  // a file: its newest version
    files = 1;
    total = st.versions.at(0).size_bytes;
    std::cout << total << "\t" << escape_unprintable(path) << "\n";
  } else {
    total = du_tree(client, path, f.count("-s") > 0, files);
    if (f.count("-s")) std::cout << total << "\t" << escape_unprintable(path) << "\n";
  }
  std::cerr << files << " files, " << format_bytes(total) << " (newest versions)\n";
  return 0;
}

int cmd_edit(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"--force", "--locked"}, pos, f, err)) return command_error(err);
  if (pos.size() != 1) return command_error("usage: edit REMOTE [--force] [--locked]");
  // --locked: no other client's commit of REMOTE goes ahead while the editor is open.
  auto lock = f.count("--locked") ? exclusive_lock(client, pos[0]) : nullptr;
  return edit_remote(client, pos[0], f.count("--force") > 0);
}

int cmd_mv(storage_client& client, const args_t& args) {
  if (args.size() != 3) return command_error("usage: mv SRC DST");
  client.rename(args[1], args[2]);
  return 0;
}

// snapshot REMOTE: prints the new version's number (a script reads it).
int cmd_snapshot(storage_client& client, const args_t& args) {
  if (args.size() != 2) return command_error("usage: snapshot REMOTE");
  std::cout << client.snapshot(args[1]).number << "\n";
  return 0;
}

int cmd_stat(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"--stale-ok"}, pos, f, err)) return command_error(err);
  if (pos.size() != 1) return command_error("usage: stat REMOTE [--stale-ok]");
  stale_reads_for stale(client, f.count("--stale-ok") > 0);
  auto r = client.stat(pos[0]);
  auto& e = r.entries.at(0);
  if (e.is_dir) {
    std::cout << escape_unprintable(e.name) << ": directory, " << e.chunk_count << " entries\n";
    return 0;
  }
  auto& v = r.versions.at(0);
  std::cout << escape_unprintable(e.name) << ": file, " << v.size_bytes << " bytes, version "
            << v.number << " of " << e.version_count << " kept, " << v.chunk_count << " chunks of "
            << v.chunk_size_bytes << " bytes, modified " << format_time(v.mtime_ms) << "\n";
  return 0;
}

// rm [-r]: one path (-r: a whole tree, remove_tree.hpp), nothing printed on success.
int cmd_rm(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"-r"}, pos, f, err)) return command_error(err);
  if (pos.size() != 1) return command_error("usage: rm [-r] PATH");
  if (f.count("-r"))
    remove_tree(client, pos[0]);
  else
    client.ns(ns_op::remove, pos[0]);
  return 0;
}

// mkdir [-p] DIR: -p also makes the missing parents and takes an existing directory as done.
int cmd_mkdir(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"-p"}, pos, f, err)) return command_error(err);
  if (pos.size() != 1) return command_error("usage: mkdir [-p] DIR");
  bool parents = f.count("-p") > 0;
  make_dir(client, pos[0], {false, parents});
  return 0;
}

int cmd_versions(storage_client& client, const args_t& args) {
  if (args.size() != 3 && args.size() != 4)
    return command_error("usage: versions REMOTE N [LOCAL]");
  auto n = parse_number(args[2], "N");
  auto& c = client;
  auto r = c.versions(args[1], static_cast<uint32_t>(std::min(n, max_versions_listed)));
  text_table t({"VERSION", "SIZE", "CHUNKS", "MODIFIED", "FILE"}, {true, true, true, false, false});
  for (auto& v : r.versions) {
    std::string file = "-";
    if (args.size() == 4) {
      file = args[3] + ".v" + std::to_string(v.number);
      c.get_to_file(args[1], v.number, file);
    }
    t.add({std::to_string(v.number), std::to_string(v.size_bytes), std::to_string(v.chunk_count),
           format_time(v.mtime_ms), file});
  }
  std::cout << t.render();
  return 0;
}

// trash | trash purge [REMOTE]
int cmd_trash(storage_client& client, const args_t& args) {
  if (args.size() >= 2 && args[1] == "purge" && args.size() <= 3) {
    client.trash(trash_op::purge, args.size() == 3 ? args[2] : "");
    std::cout << "purged " << (args.size() == 3 ? escape_unprintable(args[2]) : "the trash")
              << "\n";
    return 0;
  }
  if (args.size() != 1) return command_error("usage: trash | trash purge [REMOTE]");
  auto r = client.trash(trash_op::list, "");
  text_table t({"PATH", "DELETED", "SIZE", "VERSIONS"}, {false, false, true, true});
  for (auto& e : r.entries)
    t.add({e.name, format_time(e.mtime_ms), std::to_string(e.size_bytes),
           std::to_string(e.version_count)});
  std::cout << t.render() << r.entries.size() << " files in the trash\n";
  return 0;
}

// undelete REMOTE [--as NEWPATH]
int cmd_undelete(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> vals;
  std::string err;
  if (!parse_flags(args, {"--as"}, pos, vals, err)) return command_error(err);
  if (pos.size() != 1) return command_error("usage: undelete REMOTE [--as NEWPATH]");
  auto to = vals.count("--as") ? vals["--as"] : pos[0];
  client.trash(trash_op::undelete, pos[0], to);
  std::cout << "restored " << escape_unprintable(to) << "\n";
  return 0;
}

int cmd_store(storage_client& client, const args_t& args) {
  if (args.size() != 2)
    return command_error("usage: store HOST:PORT (a chunkserver's control address)");
  auto l = client.store(args[1]);
  text_table t({"HANDLE", "VERSION", "LENGTH"}, {false, true, true});
  for (auto& c : l.chunks)
    t.add({hex(c.handle), std::to_string(c.version), std::to_string(c.length)});
  std::cout << t.render() << l.total_chunks << " chunks, " << format_bytes(l.used_bytes)
            << " in chunk files\n";
  return 0;
}

// lease REMOTE [CHUNK_INDEX]: asks the master for the chunk's lease and prints it.
int cmd_lease(storage_client& client, const args_t& args) {
  if (args.size() < 2 || args.size() > 3) return command_error("usage: lease REMOTE [CHUNK_INDEX]");
  uint64_t index = 0;
  if (args.size() == 3) {
    const auto& s = args[2];
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
      return command_error("lease: CHUNK_INDEX must be a number, got '" + escape_unprintable(s) +
                           "'");
    index = std::stoull(s);
  }
  auto l = client.lease(args[1], index);
  auto addr = [](const replica_addr& a) {
    return a.id.to_string() + " (data " + a.id.host + ":" + std::to_string(a.data_port) + ")";
  };
  std::cout << "chunk " << hex(l.handle) << " version " << l.chunk_version
            << (l.granted ? " (new grant)" : " (running lease)") << "\nprimary " << addr(l.primary)
            << "\n";
  for (auto& s : l.secondaries) std::cout << "secondary " << addr(s) << "\n";
  std::cout << "expires in " << l.expires_in_ms << " ms\n";
  return 0;
}

// write/append: mutation_commands.cpp.
int cmd_write(storage_client& client, const args_t& args) {
  return run_write_command(client, args);
}

int cmd_append(storage_client& client, const args_t& args) {
  return run_append_command(client, args);
}

int cmd_verify(storage_client& client, const args_t& args) {
  return run_verify_command(client, args);
}

// lock/unlock: lock_command.cpp.
int cmd_lock(storage_client& client, const args_t& args) {
  return run_lock_command(client, args);
}

int cmd_unlock(storage_client&, const args_t& args) {
  if (args.size() != 2) return command_error("usage: unlock REMOTE");
  if (!drop_session_lock(args[1]))
    return command_error("unlock: this session holds no lock on " + escape_unprintable(args[1]));
  return 0;
}

// Client errors (bad input, unreachable nodes) become one line and exit code 1.
storage_command guarded(std::string usage, std::string help,
                        int (*f)(storage_client&, const args_t&)) {
  return {std::move(usage), std::move(help), [f](storage_client& client, const args_t& args) {
            try {
              return f(client, args);
            } catch (const std::exception& e) {
              return command_error(e.what());
            }
          }};
}

}  // namespace

const std::map<std::string, storage_command>& storage_commands() {
  static const std::map<std::string, storage_command> table = {
      {"put", guarded("put LOCAL REMOTE [--chunk-size S] [--locked] | put -r LOCALDIR REMOTEDIR "
                      "[--jobs N]",
                      "upload a file as a new version (REMOTE a directory or ending in '/': "
                      "into it; -r: a tree, N files at once; --locked: holding the file's "
                      "exclusive lock)",
                      cmd_put)},
      {"get", guarded("get REMOTE LOCAL [--version N] [--stale-ok] | get -r REMOTEDIR LOCALDIR "
                      "[--jobs N]",
                      "download a version (LOCAL '-': stdout, a directory: into it; never "
                      "through a symlink; -r: a tree of newest versions; --stale-ok: a standby "
                      "master may answer)",
                      cmd_get)},
      {"cat", guarded("cat REMOTE [--records] [--version N] [--stale-ok]",
                      "print a version to stdout (--records: the payload of every appended record "
                      "once, without padding, torn fragments or duplicates)",
                      cmd_cat)},
      {"ls", guarded("ls [-l] [-R] [--stale-ok] [DIR]",
                     "list a directory (-l: sizes, versions, replicas; -R: and every directory "
                     "below; --stale-ok: a standby master may answer, at most the replication "
                     "lag behind)",
                     cmd_ls)},
      {"edit", guarded("edit REMOTE [--force] [--locked]",
                       "edit the newest version in $VISUAL/$EDITOR; uploads a new version if it "
                       "changed, refused if another version came meanwhile (unless --force); "
                       "--locked: holding the file's exclusive lock",
                       cmd_edit)},
      {"lock", guarded("lock REMOTE --shared|--exclusive [--ttl S] [-- CMD ARGS...]",
                       "hold a file lock (renewed every ttl/3): while CMD runs (exit: its code), "
                       "else until stdin closes or a signal (shell: until unlock or exit)",
                       cmd_lock)},
      {"unlock", guarded("unlock REMOTE", "release a lock this shell session holds", cmd_unlock)},
      {"mv",
       guarded("mv SRC DST",
               "rename a file or directory (DST an existing directory: into it); atomic", cmd_mv)},
      {"du", guarded("du [-s] [PATH]",
                     "bytes of the newest versions per directory below PATH (-s: the total only)",
                     cmd_du)},
      {"stat",
       guarded("stat REMOTE [--stale-ok]", "size, versions and chunks of a file", cmd_stat)},
      {"mkdir", guarded("mkdir [-p] DIR", "create a directory (-p: and its parents)", cmd_mkdir)},
      {"rm", guarded("rm [-r] REMOTE",
                     "move a file (all versions) to the trash, or remove an empty directory (-r: a "
                     "tree, its files to the trash)",
                     cmd_rm)},
      {"trash", guarded("trash | trash purge [REMOTE]", "list the trash, or free trashed files now",
                        cmd_trash)},
      {"undelete", guarded("undelete REMOTE [--as NEWPATH]",
                           "restore the newest trashed REMOTE (at NEWPATH)", cmd_undelete)},
      {"snapshot", guarded("snapshot REMOTE",
                           "a new version equal to the newest, sharing its chunks (no copy; a "
                           "write copies a shared chunk first); prints its number",
                           cmd_snapshot)},
      {"versions", guarded("versions REMOTE N [LOCAL]",
                           "the newest N versions; with LOCAL, saved as LOCAL.v<N>", cmd_versions)},
      {"store", guarded("store HOST:PORT", "the chunks a chunkserver holds", cmd_store)},
      {"write", guarded("write REMOTE OFFSET LOCAL|- [--locked]",
                        "write LOCAL's bytes at OFFSET of the newest version (in place; past the "
                        "end: the file grows, a hole reads as zeros)",
                        cmd_write)},
      {"append",
       guarded("append REMOTE LOCAL|- [--each-line] [--locked]",
               "record append: LOCAL as one record (--each-line: every line one), at "
               "an offset the chunk's primary chooses; at least once; --locked: holding the file's "
               "exclusive lock",
               cmd_append)},
      {"verify", guarded("verify REMOTE",
                         "every replica's version, length and checksum per chunk; exit 1 if the "
                         "replicas of a chunk differ",
                         cmd_verify)},
      {"lease", guarded("lease REMOTE [CHUNK_INDEX]",
                        "the chunk's lease: primary, secondaries, version (granted if none runs)",
                        cmd_lease)},
  };
  return table;
}

}  // namespace dfs
