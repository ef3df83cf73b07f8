#include "client/tree_transfer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "client/make_dir.hpp"
#include "client/progress_ticker.hpp"
#include "client/remote_path.hpp"
#include "client/storage_error.hpp"
#include "common/escape.hpp"

namespace dfs {

namespace fs = std::filesystem;

namespace {

using clock = std::chrono::steady_clock;

struct file_job {
  std::string from, to;
  uint64_t size = 0;
};

// Runs `one(client, job)` for every job on `jobs` workers, each with its own client, largest
// files first (a big file started last would finish alone). Failures land in `r.failed`.
template <class F>
void run_jobs(storage_client& c, std::vector<file_job> todo, unsigned jobs, const char* verb,
              tree_result& r, F one) {
  std::sort(todo.begin(), todo.end(), [](auto& a, auto& b) { return a.size > b.size; });
  uint64_t total = 0;
  for (auto& j : todo) total += j.size;
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> files_done{0}, bytes_done{0};
  std::mutex mu;
  std::vector<std::unique_ptr<transfer_progress>> current;
  auto workers_n = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(todo.size())));
  for (unsigned i = 0; i < workers_n; ++i) current.push_back(std::make_unique<transfer_progress>());
  auto t0 = clock::now();
  // One line for the tree, on a terminal only (logs and pipes get the summary alone).
  progress_ticker bar(
      std::chrono::milliseconds(200),
      [&] {
        uint64_t b = bytes_done;
        for (auto& p : current) b += p->done_bytes;
        double secs = std::max(std::chrono::duration<double>(clock::now() - t0).count(), 0.001);
        std::fprintf(stderr, "\r%s: %zu/%zu files, %.1f/%.1f MiB, %.1f MiB/s   ", verb,
                     static_cast<size_t>(files_done), todo.size(), b / 1048576.0, total / 1048576.0,
                     b / 1048576.0 / secs);
      },
      [] { std::fprintf(stderr, "\r%78s\r", ""); }, false);
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < workers_n; ++w)
    workers.emplace_back([&, w] {
      std::unique_ptr<storage_client> own;
      try {
        own = std::make_unique<storage_client>(c.system(), c.cfg());
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        r.failed.emplace_back("(worker)", e.what());
        return;
      }
      for (size_t i; (i = next++) < todo.size();) {
        auto& j = todo[i];
        auto& p = *current[w];
        p.done_bytes = 0;
        p.total_bytes = j.size;
        try {
          one(*own, j, p);
          std::lock_guard<std::mutex> lock(mu);
          ++r.files;
          r.bytes += j.size;
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(mu);
          r.failed.emplace_back(j.from, e.what());
        }
        p.done_bytes = 0;
        bytes_done += j.size;
        ++files_done;
      }
    });
  for (auto& t : workers) t.join();
  bar.stop();
}

// A local directory that is really one (not a symlink to one), created if missing.
void make_local_dir(const fs::path& p) {
  std::error_code ec;
  fs::create_directory(p, ec);
  auto st = fs::symlink_status(p, ec);
  if (ec || st.type() != fs::file_type::directory)
    throw storage_error(p.string() + ": not a directory (or a symbolic link to one)");
}

}  // namespace

tree_result put_tree(storage_client& c, const std::string& local_dir, const std::string& remote_dir,
                     const tree_options& o) {
  auto t0 = clock::now();
  std::error_code ec;
  if (fs::symlink_status(local_dir, ec).type() != fs::file_type::directory)
    throw storage_error(local_dir + ": not a local directory");
  tree_result r;
  r.root = remote_dir;
  try {  // cp -r: into an existing directory under the local directory's own name
    if (c.is_dir(remote_dir))
      r.root = join_remote(remote_dir, base_name(fs::absolute(local_dir).lexically_normal()));
    else
      throw storage_error(remote_dir + " is a file");
  } catch (const storage_error& e) {
    if (e.code != master::errc::not_found) throw;
  }
  // Already there as a directory is fine (a second put -r into the same tree).
  auto mkdir = [&](const std::string& d) {
    if (make_dir(c, d, {/*exist_ok=*/true})) ++r.dirs;
  };
  {  // An unreadable top directory fails the whole command before anything is created remotely.
    fs::directory_iterator probe(local_dir, ec);
    if (ec) throw storage_error(local_dir + ": " + ec.message());
  }
  mkdir(r.root);
  std::vector<file_job> todo;
  // Breadth first, one directory_iterator per directory (not recursive_directory_iterator, which
  // ends the whole walk at the first directory it cannot open): an unreadable directory fails
  // alone, named, and the rest of the tree still goes up. Links are never followed, so a link
  // loop is just a skipped link.
  std::vector<std::pair<fs::path, std::string>> dirs = {{fs::path(local_dir), r.root}};
  for (size_t i = 0; i < dirs.size(); ++i) {
    auto [local, remote_parent] = dirs[i];
    ec.clear();
    fs::directory_iterator it(local, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      auto remote = join_remote(remote_parent, it->path().filename().string());
      auto st = it->symlink_status(ec);
      if (ec) break;
      if (st.type() == fs::file_type::directory) {
        try {
          mkdir(remote);
          dirs.emplace_back(it->path(), remote);
        } catch (const std::exception& e) {
          r.failed.emplace_back(it->path().string(), e.what());
        }
      } else if (st.type() == fs::file_type::regular) {
        std::error_code size_ec;
        auto size = it->file_size(size_ec);
        todo.push_back({it->path().string(), remote, size_ec ? 0 : static_cast<uint64_t>(size)});
      } else {
        r.skipped.push_back(it->path().string());
      }
    }
    if (ec) r.failed.emplace_back(local.string(), ec.message());
  }
  run_jobs(c, std::move(todo), o.jobs, "put", r,
           [&](storage_client& own, const file_job& j, transfer_progress& p) {
             own.put(j.from, j.to, o.chunk_size, &p);
           });
  r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return r;
}

tree_result get_tree(storage_client& c, const std::string& remote_dir, const std::string& local_dir,
                     const tree_options& o) {
  auto t0 = clock::now();
  if (!c.is_dir(remote_dir))
    throw storage_error(remote_dir + " is a file (get -r takes a directory)");
  tree_result r;
  std::error_code ec;
  auto root = fs::path(local_dir);
  if (fs::symlink_status(root, ec).type() == fs::file_type::directory)
    root /= base_name(remote_dir == "/" ? "root" : remote_dir);
  r.root = root.string();
  make_local_dir(root);
  ++r.dirs;
  std::vector<file_job> todo;
  // Breadth first over the remote tree: directories are created before their files land.
  std::vector<std::pair<std::string, fs::path>> dirs = {{remote_dir, root}};
  for (size_t i = 0; i < dirs.size(); ++i) {
    auto [remote, local] = dirs[i];
    for (auto& e : c.ns(ns_op::list, remote).entries) {
      auto child_remote = join_remote(remote, e.name);
      auto child_local = local / e.name;
      if (e.is_dir) {
        try {
          make_local_dir(child_local);
          ++r.dirs;
          dirs.emplace_back(child_remote, child_local);
        } catch (const std::exception& x) {
          r.failed.emplace_back(child_remote, x.what());
        }
      } else {
        todo.push_back({child_remote, child_local.string(), e.size_bytes});
      }
    }
  }
  run_jobs(c, std::move(todo), o.jobs, "get", r,
           [](storage_client& own, const file_job& j, transfer_progress& p) {
             own.get_to_file(j.from, 0, j.to, &p);
           });
  r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return r;
}

}  // namespace dfs
