#include <catch2/catch.hpp>

#include "core/hash.hpp"
#include "core/text.hpp"

TEST_CASE("did-you-mean suggests only close words", "[core]") {
  CHECK(trawl::did_you_mean("train.lrr", {"train.lr", "train.steps"}) == " (did you mean 'train.lr'?)");
  CHECK(trawl::did_you_mean("zzzzzzzz", {"train.lr"}).empty());
}

TEST_CASE("doubles print as the shortest text that reads back", "[core]") {
  CHECK(trawl::format_double(0.001) == "0.001");
  CHECK(trawl::format_double(1e-5) == "1e-05");
  CHECK(trawl::format_double(0.1 + 0.2) == "0.30000000000000004");
}

TEST_CASE("globs match whole parameter names", "[core]") {
  CHECK(trawl::glob_match("hidden.*", "hidden.0.weight"));
  CHECK(trawl::glob_match("*.bias", "head.bias"));
  CHECK_FALSE(trawl::glob_match("hidden.*", "head.weight"));
}

TEST_CASE("the stable hash is the same across runs and separates fields", "[core]") {
  CHECK(trawl::StableHash().add("abc").hex() == "e71fa2190541574b");
  CHECK(trawl::StableHash().add_field("ab").add_field("c").hex() !=
        trawl::StableHash().add_field("a").add_field("bc").hex());
}
