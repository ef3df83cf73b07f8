#pragma once
// Whether this build runs under AddressSanitizer (gcc defines __SANITIZE_ADDRESS__, clang
// answers __has_feature). Sweeps run ~5-10x slower there and shrink to stay inside their ctest
// timeouts; the full sweeps run in the normal build.

namespace dfs::sim {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized_build = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool sanitized_build = true;
#else
inline constexpr bool sanitized_build = false;
#endif
#else
inline constexpr bool sanitized_build = false;
#endif

}  // namespace dfs::sim
