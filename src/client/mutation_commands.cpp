#include "client/mutation_commands.hpp"

#include <atomic>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "client/file_lock.hpp"
#include "client/file_mutator.hpp"
#include "common/escape.hpp"
#include "common/limits.hpp"
#include "common/parse_decimal.hpp"
#include "core/master/ids.hpp"
#include "core/records/record_frame.hpp"

namespace dfs {

namespace {

// LOCAL ('-': stdin) in memory: a write or a record is at most a few chunks.
std::string read_input(const std::string& local, uint64_t max_bytes) {
  std::string data;
  auto slurp = [&](std::istream& in) {
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      data.append(buf, static_cast<size_t>(in.gcount()));
      if (data.size() > max_bytes)
        throw storage_error("input over " + std::to_string(max_bytes) +
                            " bytes: write or append it in parts");
    }
  };
  if (local == "-") {
    slurp(std::cin);
    return data;
  }
  std::ifstream f(local, std::ios::binary);
  if (!f) throw storage_error("cannot read '" + escape_unprintable(local) + "'");
  slurp(f);
  return data;
}

uint64_t parse_offset(const std::string& s) {
  auto n = parse_decimal<uint64_t>(s);
  if (!n)
    throw storage_error("write: OFFSET must be a number of bytes, got '" + escape_unprintable(s) +
                        "'");
  return *n;
}

// Every record is framed (core/records: length, checksum, this process's client id and a
// sequence number), so that `cat --records` finds each acknowledged one exactly once whatever
// padding, fragments or duplicates (a retry appends the same frame) lie around it.
std::string framed(std::string_view payload) {
  static std::atomic<uint64_t> seq{0};
  return records::frame({storage_client::process_client_id(), ++seq}, payload);
}

// A write or append holds at most this much in memory at once.
constexpr uint64_t max_input_bytes = 4 * limits::max_chunk_size_bytes;

// What a reader sees of records the master's size does not cover yet (both messages below).
constexpr const char* unseen_records =
    "readers see the new records only once the master's size covers them";

// Makes the master's size cover the records appended (`what`: "the record ... is" or "N
// records are"). They are on every replica whatever it answers, so a failure says that, not
// only why: appending them again (the usual answer to a failed append) would add them twice.
void flush_appended(file_mutator& m, const std::string& remote, const std::string& what) {
  try {
    m.flush();
  } catch (const storage_error& e) {
    throw e.with_more("; " + what + " appended to " + escape_unprintable(remote) +
                      " on every replica, but " + unseen_records +
                      ", which the next append to the file does (appending them again would "
                      "add them twice)");
  }
}

}  // namespace

int run_write_command(storage_client& client, const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  bool locked = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--locked")
      locked = true;
    else
      pos.push_back(args[i]);
  }
  if (pos.size() != 3) throw storage_error("usage: write REMOTE OFFSET LOCAL|- [--locked]");
  auto offset = parse_offset(pos[1]);
  auto data = read_input(pos[2], max_input_bytes);
  auto lock = locked ? exclusive_lock(client, pos[0]) : nullptr;
  file_mutator m(client);
  auto size = m.write(pos[0], offset, data);
  std::cout << escape_unprintable(pos[0]) << ": wrote " << data.size() << " bytes at " << offset
            << ", size " << size << "\n";
  return 0;
}

int run_append_command(storage_client& client, const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  bool each_line = false, locked = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--each-line")
      each_line = true;
    else if (args[i] == "--locked")
      locked = true;
    else if (args[i].size() > 1 && args[i][0] == '-')
      throw storage_error("append: unknown option '" + escape_unprintable(args[i]) + "'");
    else
      pos.push_back(args[i]);
  }
  if (pos.size() != 2) throw storage_error("usage: append REMOTE LOCAL|- [--each-line] [--locked]");
  auto data = read_input(pos[1], max_input_bytes);
  if (data.empty()) throw storage_error("append: nothing to append (an empty record)");
  auto lock = locked ? exclusive_lock(client, pos[0]) : nullptr;
  file_mutator m(client);
  if (!each_line) {
    auto at = m.append(pos[0], framed(data));
    flush_appended(
        m, pos[0],
        "the record of " + std::to_string(data.size()) + " bytes at " + std::to_string(at) + " is");
    std::cout << escape_unprintable(pos[0]) << ": record of " << data.size() << " bytes at " << at
              << "\n";
    return 0;
  }
  // Every line (with its newline) is one record, appended in order.
  size_t records = 0;
  auto done = [&](const std::string& which) {  // "the first record is", "all 3 records are"
    return records == 1 ? which + " record is"
                        : which + " " + std::to_string(records) + " records are";
  };
  for (size_t start = 0; start < data.size();) {
    auto nl = data.find('\n', start);
    auto end = nl == std::string::npos ? data.size() : nl + 1;
    try {
      m.append(pos[0], framed(std::string_view(data).substr(start, end - start)));
    } catch (const storage_error& e) {
      // The lines before this one are appended: say how many, and have readers see them.
      if (records == 0) throw;
      auto more = "; " + done("the first") + " appended to " + escape_unprintable(pos[0]);
      try {
        m.flush();
      } catch (const storage_error& f) {
        more += std::string(", but ") + unseen_records + " (" + f.what() + ")";
      }
      throw e.with_more(more);
    }
    ++records;
    start = end;
  }
  flush_appended(m, pos[0], done(records == 1 ? "the" : "all"));
  std::cout << escape_unprintable(pos[0]) << ": " << records << " records appended\n";
  return 0;
}

int run_verify_command(storage_client& client, const std::vector<std::string>& args) {
  if (args.size() != 2) throw storage_error("usage: verify REMOTE");
  auto l = client.layout_now(args[1]);
  if (l.versions.empty()) throw storage_error(args[1] + " has no version");
  if (!l.inline_data.empty()) {
    std::cout << escape_unprintable(args[1]) << ": stored inline in the namespace (no chunk "
              << "replicas to compare)\n";
    return 0;
  }
  size_t differ = 0;
  for (size_t i = 0; i < l.chunks.size(); ++i) {
    auto& c = l.chunks[i];
    std::optional<net::replica_stat> first;
    bool same = true;
    for (auto& r : c.replicas) {
      auto at = net::endpoint_of(r);
      std::cout << "chunk " << i << " " << master::chunk_handle{c.handle}.to_string() << " "
                << at.text() << " ";
      try {
        auto s = net::stat_chunk(client.data_pool(), at, c.handle, c.token);
        std::cout << "version " << s.version << " length " << s.length << " crc32c " << s.crc32c
                  << "\n";
        if (!first)
          first = s;
        else
          same = same && s.version == first->version && s.length == first->length &&
                 s.crc32c == first->crc32c;
      } catch (const net::data_error& e) {
        std::cout << "unreadable: " << e.what() << "\n";
        same = false;
      }
    }
    if (!same) ++differ;
  }
  std::cout << escape_unprintable(args[1]) << ": " << l.chunks.size() << " chunks, " << differ
            << (differ == 0 ? " differ: every replica identical\n" : " differ\n");
  return differ == 0 ? 0 : 1;
}

}  // namespace dfs
