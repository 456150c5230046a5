#include "catch_support.hpp"

#include <map>
#include <set>
#include <string>

#include "grid/grid.hpp"
#include "grid/trial_fields.hpp"
#include "spec/schema.hpp"
#include "test_files.hpp"

using trawl::test::parse;

namespace {

// Keys that reach a trial other than through a field: the seed comes from
// the grid's seed dimension.
const std::set<std::string> laid_out_by_hand{"train.seed"};

bool describes_a_trial(const std::string& key) {
  for (const char* section : {"model.", "data.", "train.", "infer."})
    if (key.rfind(section, 0) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("every scalar trial key of the key table is bound to one TrialSettings member", "[grid]") {
  std::set<std::string> bound;
  for (const auto& field : trawl::trial_fields()) {
    INFO(field.key);
    CHECK(bound.insert(field.key).second);
    const trawl::KeySpec* spec = trawl::find_key(field.key);
    REQUIRE(spec != nullptr);
    CHECK(trawl::scalar_type(spec->type).has_value());
  }
  for (const auto& spec : trawl::known_keys()) {
    if (!describes_a_trial(spec.key) || !trawl::scalar_type(spec.type) || laid_out_by_hand.count(spec.key)) continue;
    INFO(spec.key << " has no row in grid/trial_fields.cpp");
    CHECK(bound.count(spec.key) == 1);
  }
}

TEST_CASE("a trial's members hold its grid values and the file's settings, each under its own key", "[grid]") {
  // Every numeric key given a value unlike any other key's, so a row bound
  // to the wrong member reads back another key's value.
  const trawl::SweepSpec spec = parse("[data]\npath = \"d.h5\"\n");
  trawl::Trial trial{3, 17, {}};
  std::map<std::string, double> expected;
  std::int64_t next = 1000;
  for (const auto& field : trawl::trial_fields()) {
    const trawl::KeySpec& key = *trawl::find_key(field.key);
    ++next;
    if (key.type == trawl::KeyType::integer) {
      trial.params.emplace_back(field.key, trawl::Value(next));
      expected[field.key] = static_cast<double>(next);
    } else if (key.type == trawl::KeyType::real) {
      trial.params.emplace_back(field.key, trawl::Value(1.0 / static_cast<double>(next)));
      expected[field.key] = 1.0 / static_cast<double>(next);
    }
  }
  REQUIRE(expected.size() > 30);
  const trawl::TrialSettings settings = trawl::trial_settings(spec, trial);
  for (const auto& field : trawl::trial_fields()) {
    INFO(field.key);
    if (expected.count(field.key))
      CHECK(field.number(settings) == expected.at(field.key));
    else
      CHECK_FALSE(field.number(settings).has_value());
  }
  CHECK(settings.id == 3);
  CHECK(settings.train.seed == 17);
  CHECK(settings.train.lr == expected.at("train.lr"));
  CHECK(settings.model.hidden == static_cast<std::int64_t>(expected.at("model.hidden")));
  CHECK(settings.data.path == spec.resolve_path("d.h5"));
  CHECK(settings.data.kind == "hdf5");
}
