#pragma once
// Errors as values for the chunk store (bad requests from the network, corrupt data on disk).
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace dfs::chunkstore {

enum class errc : uint8_t {
  ok = 0,
  not_found = 1,         // no such chunk or pending data id
  corrupt = 2,           // a block fails its CRC, a header does not parse: go to another replica
  out_of_range = 3,      // read past the end of the chunk
  invalid_argument = 4,  // sizes over limits, duplicate ids, bytes beyond the declared size
  io_error = 5,          // the local disk failed
  busy = 6,              // pending-data limits reached; retry later
};

struct error {
  errc code = errc::ok;
  std::string message;
};

inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}  // NOLINT: implicit, like expected<T>
  result(error err) : v_(std::move(err)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(error err) : err_(std::move(err)) {}  // NOLINT

  bool ok() const { return err_.code == errc::ok; }
  explicit operator bool() const { return ok(); }
  const error& err() const { return err_; }

 private:
  error err_;
};

}  // namespace dfs::chunkstore
