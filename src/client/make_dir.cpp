#include "client/make_dir.hpp"

#include "client/storage_error.hpp"
#include "core/master/dir_leases.hpp"

namespace dfs {

namespace {

// One mkdir; with exist_ok a directory already there is no error (false: not created here).
bool mkdir_once(storage_client& c, const std::string& dir, bool exist_ok) {
  try {
    c.ns(ns_op::mkdir, dir);
    return true;
  } catch (const storage_error& e) {
    if (e.code != master::errc::already_exists || !exist_ok) throw;
    if (c.is_dir(dir)) return false;
    throw storage_error(dir + " exists and is not a directory", e.code);
  }
}

}  // namespace

bool make_dir(storage_client& c, const std::string& dir, make_dir_options o) {
  if (!o.parents) return mkdir_once(c, dir, o.exist_ok);
  auto parent = master::parent_dir(dir);
  try {
    return mkdir_once(c, dir, true);
  } catch (const storage_error& e) {
    if (e.code != master::errc::not_found || parent.empty()) throw;
  }
  make_dir(c, parent, o);
  // Another client may have made `dir` meanwhile (two mkdir -p at once): exist_ok covers it.
  return mkdir_once(c, dir, true);
}

}  // namespace dfs
