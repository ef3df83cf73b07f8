#pragma once
// Errors as values for the master metadata: bad input from clients (paths, unknown handles,
// missing files) is never an exception. `result<T>` holds either a value or an `error`.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace dfs::master {

enum class errc : uint8_t {
  ok = 0,
  invalid_path = 1,         // syntax or length limits
  not_found = 2,            // path or version does not exist
  already_exists = 3,       // mkdir of an existing name
  not_a_directory = 4,      // a path component, or the target of ls/mkdir parent, is a file
  is_a_directory = 5,       // file operation on a directory
  directory_not_empty = 6,  // rm of a non-empty directory
  invalid_argument = 7,     // counts, sizes out of range, duplicate chunks
  unknown_handle = 8,       // commit of a handle never allocated, expired or already used
  corrupt_state = 9,        // replay or snapshot does not fit the state (our bug or bad disk)
};

const char* to_string(errc code);

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
  result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose, like expected<T>
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

// result<void>: success or an error.
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

}  // namespace dfs::master
