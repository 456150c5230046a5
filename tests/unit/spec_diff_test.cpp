#include "catch_support.hpp"

#include <algorithm>

#include "spec/spec_diff.hpp"
#include "test_files.hpp"

namespace {

bool lists(const std::vector<std::string>& changes, const std::string& text) {
  return std::any_of(changes.begin(), changes.end(), [&](const auto& c) { return c.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("spec differences say what changed in words a user reads", "[spec]") {
  const std::string base = "[data]\npath = \"d.h5\"\n[train]\nsteps = 5\n[grid]\ntrain.lr = [0.1, 0.01]\n";
  const trawl::SweepSpec before = trawl::test::parse(base);
  CHECK(trawl::spec_differences(before, trawl::test::parse(base)).empty());
  const auto steps = trawl::spec_differences(before, trawl::test::parse(
      "[data]\npath = \"d.h5\"\n[train]\nsteps = 6\n[grid]\ntrain.lr = [0.1, 0.01]\n"));
  REQUIRE(steps.size() == 1);
  CHECK(lists(steps, "train.steps: 5 -> 6"));
  const auto grid = trawl::spec_differences(before, trawl::test::parse(
      "[data]\npath = \"d.h5\"\n[train]\nsteps = 5\n[grid]\ntrain.lr = [0.1, 0.3]\n"));
  CHECK(lists(grid, "train.lr"));
  CHECK(lists(grid, "0.3"));
  // What the hash does not cover is no difference: the name, the dir, threads.
  CHECK(trawl::spec_differences(before, trawl::test::parse(base + "[sweep]\nname = \"other\"\n")).empty());
}
