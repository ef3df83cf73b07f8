#include "common/logging.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <vector>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "common/file_modes.hpp"

namespace dfs::log {

namespace {

std::mutex mtx;
std::vector<spdlog::sink_ptr> sinks;
spdlog::level::level_enum current = spdlog::level::info;

}  // namespace

void init(const config& cfg, const std::string& node, bool file) {
  std::lock_guard<std::mutex> guard{mtx};
  sinks.clear();
  spdlog::drop_all();
  if (cfg.log.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (file) {
    auto dir = std::filesystem::path(cfg.node.data_dir) / "logs";
    if (std::filesystem::create_directories(dir))
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all);  // node_dir_mode
    // spdlog creates log files with fopen (0666 minus the umask) when it starts and at every
    // rotation; each one gets log_file_mode as soon as it is open, an older 0644 one too.
    spdlog::file_event_handlers events;
    events.after_open = [](const spdlog::filename_t&, std::FILE* f) {
      ::fchmod(::fileno(f), log_file_mode);
    };
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        (dir / "dfsnode.log").string(), cfg.log.file_max_bytes, cfg.log.file_count, false, events));
  }
  current = spdlog::level::from_str(cfg.log.level);
  // The node id is baked into the pattern, so no call site can forget it.
  auto pattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ " + node + " [%n] %v";
  for (auto& s : sinks) s->set_pattern(pattern);
  auto main = std::make_shared<spdlog::logger>("main", sinks.begin(), sinks.end());
  main->set_level(current);
  main->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(main);
  spdlog::flush_every(std::chrono::seconds(1));
}

std::shared_ptr<spdlog::logger> get(const std::string& subsystem) {
  std::lock_guard<std::mutex> guard{mtx};
  if (auto l = spdlog::get(subsystem)) return l;
  auto l = std::make_shared<spdlog::logger>(subsystem, sinks.begin(), sinks.end());
  l->set_level(current);
  l->flush_on(spdlog::level::warn);
  spdlog::register_logger(l);
  return l;
}

bool set_level(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  // from_str maps unknown names to "off": accept "off" only when asked for by name.
  if (lvl == spdlog::level::off && level != "off") return false;
  std::lock_guard<std::mutex> guard{mtx};
  current = lvl;
  spdlog::set_level(lvl);
  return true;
}

std::string level() {
  auto sv = spdlog::level::to_string_view(current);
  return std::string(sv.data(), sv.size());
}

void shutdown() {
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  spdlog::shutdown();
}

}  // namespace dfs::log
