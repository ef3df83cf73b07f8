#include "client/remote_path.hpp"

namespace dfs {

std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::string join_remote(const std::string& dir, const std::string& name) {
  return (dir == "/" ? "" : dir) + "/" + name;
}

std::string base_name(std::string path) {
  path = without_trailing_slash(std::move(path));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool names_a_directory(const std::string& to) {
  return to.size() > 1 && to.back() == '/';
}

std::string destination(const std::string& to, const std::string& source) {
  return names_a_directory(to) ? to + base_name(source) : to;
}

}  // namespace dfs
