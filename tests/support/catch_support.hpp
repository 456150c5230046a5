// Catch2 for trawl's C++ tests, whichever major version is installed:
// 2.13 (Debian 12: one header, Approx and string matchers in the global and
// Matchers namespaces) or 3.x (Debian 13: separate headers, Catch::Approx,
// ContainsSubstring). Tests include this, never a Catch2 header; tests/
// CMakeLists.txt defines TRAWL_CATCH2_MAJOR. A test's main defines
// CATCH_CONFIG_RUNNER before including it and runs a Catch::Session.
#pragma once

#include <string>

#if TRAWL_CATCH2_MAJOR >= 3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_session.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif

namespace trawl::test {

// A matcher: the string contains s (Catch2 3 renamed it ContainsSubstring;
// its Contains matches elements of a range).
inline auto Contains(const std::string& s) {
#if TRAWL_CATCH2_MAJOR >= 3
  return Catch::Matchers::ContainsSubstring(s);
#else
  return Catch::Matchers::Contains(s);
#endif
}

using Catch::Matchers::StartsWith;

}  // namespace trawl::test
