// lib/core: integer arithmetic on numbers a user wrote (prune.reduction, a
// tensor shape), which must not wrap: every step says when it would.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

namespace trawl {

// a * b, or nullopt when it does not fit.
template <typename T>
std::optional<T> checked_mul(T a, T b) {
  T product;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

// a * b, or the largest T when it does not fit (a, b >= 0).
inline std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
  return checked_mul(a, b).value_or(std::numeric_limits<std::int64_t>::max());
}

// ceil(n / d) for n >= 0, d > 0, without forming n + d - 1.
inline std::int64_t ceil_div(std::int64_t n, std::int64_t d) { return n / d + (n % d != 0 ? 1 : 0); }

}  // namespace trawl
