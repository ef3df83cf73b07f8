#include "client/namespace_commands.hpp"

#include <iostream>

#include "client/command_error.hpp"
#include "client/copy_tree.hpp"
#include "client/make_dir.hpp"
#include "client/remote_path.hpp"
#include "client/remove_tree.hpp"
#include "client/storage_error.hpp"
#include "common/escape.hpp"
#include "common/text_table.hpp"

namespace dfs {

namespace {

std::string replicas_text(const ns_chunk& c) {
  std::string s;
  for (auto& r : c.replicas)
    s += (s.empty() ? "" : ",") + r.id.host + ":" + std::to_string(r.id.port);
  return s.empty() ? "-" : s;
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

// ls -R: each directory under a "PATH:" header, children after their parent (as ls -R does).
void list_tree(storage_client& c, const std::string& dir, bool long_form, bool header) {
  auto r = c.ns(ns_op::list, dir);
  if (header) std::cout << "\n" << escape_unprintable(dir) << ":\n";
  list_one(c, dir, r, long_form);
  for (auto& e : r.entries)
    if (e.is_dir) list_tree(c, join_remote(dir, e.name), long_form, true);
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

}  // namespace

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

int cmd_mv(storage_client& client, const args_t& args) {
  if (args.size() != 3) return command_error("usage: mv SRC DST");
  client.rename(args[1], args[2]);
  return 0;
}

// cp [-r] SRC DST (copy_tree.hpp): nothing printed for a file, as cp; a tree ends with a
// summary line, as put -r and get -r do.
int cmd_cp(storage_client& client, const args_t& args) {
  args_t pos;
  std::map<std::string, std::string> f;
  std::string err;
  if (!parse_flags(args, {"-r"}, pos, f, err)) return command_error(err);
  if (pos.size() != 2) return command_error("usage: cp [-r] SRC DST");
  auto n = copy_tree(client, pos[0], pos[1], f.count("-r") > 0);
  if (n.version == 0)  // a tree (a file's copy made a version)
    std::cout << "cp -r: " << escape_unprintable(n.target) << ": " << n.files << " files, "
              << n.dirs << " directories (their chunks shared, no bytes copied)\n";
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
    std::cout << escape_unprintable(e.name) << ": directory, " << e.chunk_count
              << (e.chunk_count == 1 ? " entry\n" : " entries\n");
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

}  // namespace dfs
