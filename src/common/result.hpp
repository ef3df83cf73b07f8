#pragma once
// Errors as values: `basic_result<T, Error>` holds a T or an Error, where Error is a
// `basic_error<Errc>` of a module's own error-code enum (whose value `ok` means no error).
// Modules alias them: `using error = basic_error<errc>; template <class T> using result = ...`.
#include <string>
#include <utility>
#include <variant>

namespace dfs {

template <class Errc>
struct basic_error {
  Errc code = Errc::ok;
  std::string message;
};

template <class T, class Error>
class [[nodiscard]] basic_result {
 public:
  basic_result(T value) : v_(std::move(value)) {}  // NOLINT: implicit, like expected<T>
  basic_result(Error err) : v_(std::move(err)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success or an error.
template <class Error>
class [[nodiscard]] basic_result<void, Error> {
 public:
  basic_result() = default;
  basic_result(Error err) : err_(std::move(err)) {}  // NOLINT

  bool ok() const { return err_.code == decltype(err_.code)::ok; }
  explicit operator bool() const { return ok(); }
  const Error& err() const { return err_; }

 private:
  Error err_;
};

}  // namespace dfs
