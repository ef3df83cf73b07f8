#include "client/storage_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "client/command_args.hpp"
#include "client/command_error.hpp"
#include "client/edit_file.hpp"
#include "client/file_lock.hpp"
#include "client/lock_command.hpp"
#include "client/mutation_commands.hpp"
#include "client/namespace_commands.hpp"
#include "client/progress_ticker.hpp"
#include "client/record_reader.hpp"
#include "client/remote_path.hpp"
#include "client/storage_client.hpp"
#include "client/tree_transfer.hpp"
#include "common/escape.hpp"
#include "common/limits.hpp"
#include "common/parse_decimal.hpp"
#include "common/text_table.hpp"
#include "core/master/ids.hpp"

namespace dfs {

namespace {

namespace fs = std::filesystem;

// Transfers smaller than this finish before a progress bar is worth drawing.
constexpr uint64_t min_progress_bar_bytes = 4u << 20;
constexpr double bytes_per_mib = 1 << 20;
// `versions REMOTE N` asks for at most this many versions, whatever N says.
constexpr uint64_t max_versions_listed = 1000;

std::string hex(uint64_t h) {
  return master::chunk_handle{h}.to_string();
}

// A progress bar on stderr while `work` runs, when stdout and stderr are terminals and the
// transfer is big enough to be worth one.
template <class F>
auto with_progress(transfer_progress& p, F work) {
  auto t0 = std::chrono::steady_clock::now();
  progress_ticker bar(
      std::chrono::milliseconds(200),  // screen refresh rate
      [&] {
        if (p.total_bytes < min_progress_bar_bytes) return;
        double frac = double(p.done_bytes) / double(p.total_bytes);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        int w = 30, fill = int(frac * w);
        std::fprintf(stderr, "\r[%s%s] %3d%% %.1f MiB/s ", std::string(fill, '#').c_str(),
                     std::string(w - fill, ' ').c_str(), int(frac * 100),
                     double(p.done_bytes) / bytes_per_mib / std::max(secs, 0.001));
      },
      [&] {
        if (p.total_bytes >= min_progress_bar_bytes) std::fprintf(stderr, "\r%60s\r", "");
      },
      true);
  return work();  // the bar stops (and clears its line) before the caller prints the result
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
    return client.is_dir(path);
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
  bool into_dir = names_a_directory(remote);
  if (into_dir)
    remote = destination(remote, local);
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
  if (pos.empty() || (pos.size() > 1 && f.count("--version")))
    return command_error(
        "usage: cat REMOTE... [--records] [--stale-ok] | cat REMOTE --version N [--records]");
  stale_reads_for stale(client, f.count("--stale-ok") > 0);
  uint64_t version = f.count("--version") ? parse_number(f["--version"], "--version") : 0;
  auto out = [](std::string_view d) {
    std::cout.write(d.data(), static_cast<std::streamsize>(d.size()));
  };
  // Several files one after the other, as cat does; the first that fails ends the command
  // (its error names it), after the bytes of those before it.
  for (auto& remote : pos) {
    if (f.count("--records")) {
      // The payloads only, back to back: a record that needs a separator carries its own.
      read_records(client, remote, version,
                   [&](records::record_id, std::string_view p) { out(p); });
    } else {
      client.get(remote, version, [&](uint64_t, std::string_view d) { out(d); });
    }
  }
  std::cout.flush();
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
    auto n = parse_decimal<uint64_t>(args[2]);
    if (!n)
      return command_error("lease: CHUNK_INDEX must be a number, got '" +
                           escape_unprintable(args[2]) + "'");
    index = *n;
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
      {"cat", guarded("cat REMOTE... [--records] [--version N] [--stale-ok]",
                      "print files to stdout, one after the other (--version: of one file; "
                      "--records: the payload of every appended record once, without padding, "
                      "torn fragments or duplicates)",
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
      {"cp", guarded("cp [-r] SRC DST",
                     "copy a file's newest version (DST an existing directory: into it; -r: a "
                     "tree); shares its chunks, no byte moves until one is written",
                     cmd_cp)},
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
