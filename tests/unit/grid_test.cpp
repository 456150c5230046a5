#include "catch_support.hpp"

#include <cmath>
#include <random>
#include <set>

#include "grid/grid.hpp"
#include "grid/trial_settings.hpp"
#include "test_files.hpp"

using trawl::test::parse;

namespace {

const std::string data = "[data]\npath = \"d.h5\"\n";

std::string params_text(const trawl::Trial& t) {
  std::string text = "seed=" + std::to_string(t.seed);
  for (const auto& [key, value] : t.params) text += " " + key + "=" + trawl::to_string(value);
  return text;
}

}  // namespace

TEST_CASE("trial ids run like nested loops: seeds outermost, last axis fastest", "[grid]") {
  trawl::Grid grid(parse(data + "[sweep]\nseeds = [10, 20]\n[grid]\ntrain.lr = [0.1, 0.2]\nmodel.hidden = [8, 16, 32]\n"));
  REQUIRE(grid.size() == 12);
  CHECK(params_text(grid.trial(0)) == "seed=10 train.lr=0.1 model.hidden=8");
  CHECK(params_text(grid.trial(1)) == "seed=10 train.lr=0.1 model.hidden=16");
  CHECK(params_text(grid.trial(3)) == "seed=10 train.lr=0.2 model.hidden=8");
  CHECK(params_text(grid.trial(6)) == "seed=20 train.lr=0.1 model.hidden=8");
  CHECK(params_text(grid.trial(11)) == "seed=20 train.lr=0.2 model.hidden=32");
  CHECK_THROWS(grid.trial(12));
  CHECK_THROWS(grid.trial(-1));
}

TEST_CASE("evaluation-only axes vary slowest; their trials share a training identity", "[grid]") {
  trawl::Grid grid(parse(data + "[sweep]\nseeds = [1, 2]\n[grid]\ntrain.lr = [0.1, 0.2]\ninfer.batch_size = [1, 8]\n"
                                "model.hidden = [4, 16]\n"));
  REQUIRE(grid.size() == 16);
  CHECK(grid.shares_training());
  CHECK(grid.axis_names() == std::vector<std::string>{"infer.batch_size", "train.lr", "model.hidden"});
  CHECK(params_text(grid.trial(0)) == "seed=1 infer.batch_size=1 train.lr=0.1 model.hidden=4");
  CHECK(params_text(grid.trial(3)) == "seed=1 infer.batch_size=1 train.lr=0.2 model.hidden=16");
  CHECK(params_text(grid.trial(4)) == "seed=1 infer.batch_size=8 train.lr=0.1 model.hidden=4");
  CHECK(params_text(grid.trial(8)) == "seed=2 infer.batch_size=1 train.lr=0.1 model.hidden=4");
  // Siblings: equal but for infer.*; each seed's first four trials are four trainings.
  std::set<std::string> first_four;
  for (trawl::TrialId id = 0; id < 4; ++id) first_four.insert(trawl::training_identity(grid.trial(id)));
  CHECK(first_four.size() == 4);
  CHECK(trawl::training_identity(grid.trial(1)) == trawl::training_identity(grid.trial(5)));
  CHECK(trawl::training_identity(grid.trial(1)) != trawl::training_identity(grid.trial(9)));  // another seed
  CHECK_FALSE(trawl::Grid(parse(data + "[grid]\ntrain.lr = [0.1, 0.2]\n")).shares_training());
  // A zip group that mixes an infer.* axis with a training axis trains each point.
  CHECK_FALSE(trawl::Grid(parse(data + "[grid.zip.z]\ntrain.lr = [0.1, 0.2]\ninfer.batch_size = [1, 8]\n"))
                  .shares_training());
}

TEST_CASE("a grid with no axes has one trial per seed", "[grid]") {
  trawl::Grid grid(parse(data + "[sweep]\nseeds = [1, 2, 3]\n"));
  CHECK(grid.size() == 3);
  CHECK(grid.trial(2).seed == 3);
  CHECK(grid.trial(2).params.empty());
}

TEST_CASE("zipped axes advance together", "[grid]") {
  trawl::Grid grid(parse(data + "[grid.zip.arch]\nmodel.hidden = [32, 64]\nmodel.layers = [1, 4]\n"
                                "[grid]\ntrain.lr = [0.1, 0.2, 0.3]\n"));
  REQUIRE(grid.size() == 6);
  CHECK(params_text(grid.trial(0)) == "seed=0 model.hidden=32 model.layers=1 train.lr=0.1");
  CHECK(params_text(grid.trial(4)) == "seed=0 model.hidden=64 model.layers=4 train.lr=0.2");
}

TEST_CASE("exclusions drop matching points and ids stay dense", "[grid]") {
  trawl::Grid grid(parse(data + "[grid]\ntrain.lr = [0.1, 0.01, 0.001]\ntrain.optimizer = [\"adamw\", \"sgd\"]\n"
                                "model.hidden = [8, 16]\n[[exclude]]\ntrain.optimizer = \"sgd\"\ntrain.lr = 0.001\n"
                                "[[exclude]]\nmodel.hidden = 16\ntrain.lr = [0.1, 0.01]\ntrain.optimizer = \"adamw\"\n"));
  CHECK(grid.full_size() == 12);
  // sgd at 0.001 drops 2; adamw with hidden 16 at 0.1 or 0.01 drops 2 more.
  REQUIRE(grid.size() == 8);
  std::vector<std::string> got;
  for (std::int64_t i = 0; i < grid.size(); ++i) got.push_back(params_text(grid.trial(i)));
  CHECK(got == std::vector<std::string>{
                   "seed=0 train.lr=0.1 train.optimizer=adamw model.hidden=8",
                   "seed=0 train.lr=0.1 train.optimizer=sgd model.hidden=8",
                   "seed=0 train.lr=0.1 train.optimizer=sgd model.hidden=16",
                   "seed=0 train.lr=0.01 train.optimizer=adamw model.hidden=8",
                   "seed=0 train.lr=0.01 train.optimizer=sgd model.hidden=8",
                   "seed=0 train.lr=0.01 train.optimizer=sgd model.hidden=16",
                   "seed=0 train.lr=0.001 train.optimizer=adamw model.hidden=8",
                   "seed=0 train.lr=0.001 train.optimizer=adamw model.hidden=16",
               });
}

TEST_CASE("a grid left empty by exclusions is an error at the exclusion", "[grid]") {
  auto spec = parse(data + "[grid]\ntrain.lr = [0.1]\n[[exclude]]\ntrain.lr = 0.1\n");
  CHECK_THROWS_WITH(trawl::Grid(spec), trawl::test::StartsWith("sweep.toml:5:1:") &&
                                           trawl::test::Contains("drop every point"));
}

TEST_CASE("random grids with exclusions agree with brute-force enumeration", "[grid]") {
  std::mt19937 rng(42);
  const std::vector<std::string> keys{"train.steps", "train.batch_size", "model.hidden", "model.layers",
                                      "train.warmup_steps"};
  for (int round = 0; round < 40; ++round) {
    std::vector<int> sizes;
    std::string toml = data + "[sweep]\nseeds = [" + std::string(rng() % 2 ? "1, 2" : "7") + "]\n[grid]\n";
    for (const auto& key : keys) {
      sizes.push_back(1 + static_cast<int>(rng() % 4));
      toml += key + " = {range = [1, " + std::to_string(sizes.back() + 1) + "]}\n";
    }
    std::vector<std::vector<std::pair<int, std::set<int>>>> exclusions;
    for (int e = 0; e < static_cast<int>(rng() % 4); ++e) {
      toml += "[[exclude]]\n";
      std::vector<std::pair<int, std::set<int>>> match;
      for (int k = 0; k < static_cast<int>(keys.size()); ++k) {
        if (rng() % 3) continue;
        std::set<int> values{1 + static_cast<int>(rng() % static_cast<unsigned>(sizes[k]))};
        toml += keys[k] + " = " + std::to_string(*values.begin()) + "\n";
        match.emplace_back(k, values);
      }
      if (match.empty()) {
        toml += keys[0] + " = 1\n";
        match.emplace_back(0, std::set<int>{1});
      }
      exclusions.push_back(match);
    }
    // Brute force over the full product, in the documented order.
    std::vector<std::string> expected;
    auto spec = parse(toml);
    for (auto seed : spec.seeds) {
      std::vector<int> v(keys.size(), 1);
      while (true) {
        bool excluded = false;
        for (const auto& match : exclusions) {
          bool all = true;
          for (const auto& [k, values] : match) all = all && values.count(v[k]);
          excluded = excluded || all;
        }
        if (!excluded) {
          std::string text = "seed=" + std::to_string(seed);
          for (std::size_t k = 0; k < keys.size(); ++k) text += " " + keys[k] + "=" + std::to_string(v[k]);
          expected.push_back(text);
        }
        std::size_t k = keys.size();
        while (k-- > 0) {
          if (++v[k] <= sizes[k]) break;
          v[k] = 1;
        }
        if (k == static_cast<std::size_t>(-1)) break;
      }
    }
    INFO(toml);
    if (expected.empty()) {
      CHECK_THROWS_AS(trawl::Grid(spec), trawl::InputError);
      continue;
    }
    trawl::Grid grid(spec);
    REQUIRE(grid.size() == static_cast<std::int64_t>(expected.size()));
    for (std::int64_t i = 0; i < grid.size(); ++i) CHECK(params_text(grid.trial(i)) == expected[i]);
  }
}

TEST_CASE("a ten-million point grid with exclusions is counted, not materialised", "[grid]") {
  std::string toml = data + "[sweep]\nseeds = [0, 1]\n[grid]\n";
  toml += "train.lr = {logspace = [1e-5, 1e-1, 10]}\ntrain.weight_decay = {linspace = [0, 0.1, 10]}\n";
  toml += "train.batch_size = {range = [8, 88, 8]}\nmodel.hidden = {range = [16, 176, 16]}\n";
  toml += "model.layers = {range = [1, 11]}\ntrain.warmup_steps = {range = [0, 500, 100]}\n";
  toml += "train.optimizer = [\"adamw\", \"sgd\"]\ntrain.eval_every = [50, 100, 200, 250, 500]\n";
  toml += "[[exclude]]\ntrain.optimizer = \"sgd\"\ntrain.lr = [1e-5, 1e-1]\n";
  trawl::Grid grid(parse(toml));
  const std::int64_t full = 2LL * 10 * 10 * 10 * 10 * 10 * 5 * 2 * 5;
  CHECK(grid.full_size() == full);
  CHECK(grid.size() == full - full / 2 / 10 * 2);
  const trawl::Trial last = grid.trial(grid.size() - 1);
  CHECK(last.seed == 1);
  // sgd at lr 0.1 is excluded, so the last trial is adamw at 0.1 ...
  CHECK(std::get<double>(last.params[0].second) == 0.1);
  CHECK(trawl::to_string(last.params[6].second) == "adamw");
  // ... and the 250000 trials with lr 0.1 (only adamw) come after sgd at the lr below.
  const trawl::Trial before = grid.trial(grid.size() - 1 - 250000);
  CHECK(trawl::to_string(before.params[6].second) == "sgd");
  CHECK(std::get<double>(before.params[0].second) == Approx(std::pow(10.0, -5 + 4.0 * 8 / 9)));
}
