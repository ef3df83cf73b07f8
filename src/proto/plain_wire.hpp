#pragma once
// CAF 0.17's binary serialisation, written and read without CAF's serializer classes: the codec
// of proto/wire.hpp (our UDP payloads and the request port's bodies). The lean CLI front
// (src/main.cpp) then does not load libcaf_core at all (~0.5 ms of every command's start,
// issue 17), and a fileserver decodes a GCS datagram ~6x faster (issue 14). The same inspect()
// functions drive it and the bytes are CAF's, so a peer may use either codec:
// tests/unit/proto/plain_wire_test.cpp compares the two on every message these carry, both ways.
// Header-only on purpose: CAF's annotation types and ieee_754 helpers are header-only too, so
// nothing here links CAF.
//
// The format: integers big-endian at their width, bool and enums as their (underlying) integer,
// floating point packed IEEE 754 in a u32/u64 (finite only), strings and sequences a varbyte length
// (7 bits per byte, low first, at most 32 bits) and then their bytes or elements, pairs member by
// member, a struct its inspect() fields in order (annotations write nothing).
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/detail/ieee_754.hpp>
#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>

namespace dfs::plain_wire {

namespace detail {

template <class T, class = void>
struct is_sequence : std::false_type {};
template <class T>
struct is_sequence<
    T, std::void_t<typename T::value_type, decltype(std::declval<T&>().begin()),
                   decltype(std::declval<T&>().end()), decltype(std::declval<T&>().size())>>
    : std::true_type {};

template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

}  // namespace detail

class writer {
 public:
  using result_type = bool;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;

  template <class... Ts>
  bool operator()(Ts&&... xs) {
    return (apply(xs) && ...);
  }
  std::string& bytes() { return out_; }

 private:
  void put_uint(uint64_t v, size_t width) {
    for (size_t i = width; i-- > 0;) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void put_size(size_t n) {
    auto x = static_cast<uint32_t>(n);
    while (x > 0x7f) {
      out_.push_back(static_cast<char>((x & 0x7f) | 0x80));
      x >>= 7;
    }
    out_.push_back(static_cast<char>(x));
  }

  template <class T>
  bool apply(const T& x) {
    using U = std::decay_t<T>;
    if constexpr (caf::meta::is_annotation<U>::value) {
      return true;
    } else if constexpr (std::is_same_v<U, bool>) {
      out_.push_back(x ? 1 : 0);
      return true;
    } else if constexpr (std::is_integral_v<U>) {
      put_uint(static_cast<uint64_t>(static_cast<std::make_unsigned_t<U>>(x)), sizeof(U));
      return true;
    } else if constexpr (std::is_enum_v<U>) {
      return apply(static_cast<std::underlying_type_t<U>>(x));
    } else if constexpr (std::is_floating_point_v<U>) {
      // CAF's pack754 never returns for an infinity (it halves it until below 2): refused here.
      if (!std::isfinite(x)) return false;
      return apply(caf::detail::pack754(x));
    } else if constexpr (std::is_same_v<U, std::string>) {
      put_size(x.size());
      out_ += x;
      return true;
    } else if constexpr (detail::is_pair<U>::value) {
      return apply(x.first) && apply(x.second);
    } else if constexpr (detail::is_sequence<U>::value) {
      static_assert(!std::is_same_v<U, std::vector<bool>>, "CAF packs vector<bool>: not here");
      put_size(x.size());
      for (auto& e : x)
        if (!apply(e)) return false;
      return true;
    } else {
      return inspect(*this, const_cast<U&>(x));  // inspect() takes a mutable reference
    }
  }

  std::string out_;
};

class reader {
 public:
  using result_type = bool;
  static constexpr bool reads_state = false;
  static constexpr bool writes_state = true;

  explicit reader(std::string_view in) : in_(in) {}
  template <class... Ts>
  bool operator()(Ts&&... xs) {
    return (apply(xs) && ...);
  }
  size_t remaining() const { return in_.size(); }

 private:
  bool get_uint(uint64_t& v, size_t width) {
    if (in_.size() < width) return false;
    v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(width);
    return true;
  }
  bool get_size(size_t& n) {
    uint32_t x = 0;
    for (int shift = 0;; shift += 7) {
      if (in_.empty() || shift > 28) return false;
      auto b = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      x |= static_cast<uint32_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    n = x;
    return true;
  }

  template <class T>
  bool apply(T&& x) {
    using U = std::decay_t<T>;
    if constexpr (caf::meta::is_annotation<U>::value) {
      return true;
    } else if constexpr (std::is_same_v<U, bool>) {
      uint64_t v;
      if (!get_uint(v, 1)) return false;
      x = v != 0;
      return true;
    } else if constexpr (std::is_integral_v<U>) {
      uint64_t v;
      if (!get_uint(v, sizeof(U))) return false;
      x = static_cast<U>(static_cast<std::make_unsigned_t<U>>(v));
      return true;
    } else if constexpr (std::is_enum_v<U>) {
      std::underlying_type_t<U> v{};
      if (!apply(v)) return false;
      x = static_cast<U>(v);
      return true;
    } else if constexpr (std::is_floating_point_v<U>) {
      typename caf::detail::ieee_754_trait<U>::packed_type v{};
      if (!apply(v)) return false;
      x = caf::detail::unpack754(v);
      return true;
    } else if constexpr (std::is_same_v<U, std::string>) {
      size_t n;
      if (!get_size(n) || in_.size() < n) return false;
      x.assign(in_.data(), n);
      in_.remove_prefix(n);
      return true;
    } else if constexpr (detail::is_pair<U>::value) {
      return apply(x.first) && apply(x.second);
    } else if constexpr (detail::is_sequence<U>::value) {
      static_assert(!std::is_same_v<U, std::vector<bool>>, "CAF packs vector<bool>: not here");
      size_t n;
      if (!get_size(n)) return false;
      x.clear();
      // Each element takes at least a byte: a count beyond the input is malformed, and no
      // huge allocation happens first.
      if (n > in_.size()) return false;
      for (size_t i = 0; i < n; ++i) {
        typename U::value_type e{};
        if (!apply(e)) return false;
        x.insert(x.end(), std::move(e));
      }
      return true;
    } else {
      return inspect(*this, x);
    }
  }

  std::string_view in_;
};

// "" when `x` cannot be written (a non-finite floating-point field).
template <class T>
std::string encode(const T& x) {
  writer w;
  if (!w(x)) return {};
  return std::move(w.bytes());
}

// False on malformed input or trailing bytes; `x` is then unspecified.
template <class T>
bool decode(std::string_view bytes, T& x) {
  reader r{bytes};
  return r(x) && r.remaining() == 0;
}

}  // namespace dfs::plain_wire
