#include "catch_support.hpp"

#include "core/error.hpp"

using trawl::InputError;
using trawl::Location;
using trawl::SourcePos;

TEST_CASE("an input error keeps its problem and location as data and makes its text from them", "[core]") {
  const InputError plain("train.lr must be positive");
  CHECK(std::string(plain.what()) == "train.lr must be positive");
  CHECK(plain.where().empty());

  const InputError located("tensor 'w' is [2, 3] but config.json makes it [3, 2]",
                           trawl::tensor_in("m/model.safetensors", "w", "model.path"));
  CHECK(std::string(located.what()) == "m/model.safetensors: tensor 'w' is [2, 3] but config.json makes it [3, 2]");
  CHECK(located.key() == "model.path");
  CHECK(located.where().tensor == "w");
  CHECK(located.problem() == "tensor 'w' is [2, 3] but config.json makes it [3, 2]");

  const InputError at_line = trawl::input_error_at(SourcePos{"sweep.toml", 4, 9}, "no such file");
  CHECK(std::string(at_line.what()) == "sweep.toml:4:9: no such file");
  CHECK(at_line.where().pos.line == 4);
}

TEST_CASE("an input error placed in an outer file keeps its own place after the outer one", "[core]") {
  const InputError inner("not valid JSON", Location{{"data.jsonl", 7, 3}, "", "", -1, {}});
  const InputError outer = inner.at(SourcePos{"sweep.toml", 5, 1});
  CHECK(std::string(outer.what()) == "sweep.toml:5:1: data.jsonl:7:3: not valid JSON");
  CHECK(outer.where().pos.file == "sweep.toml");

  const InputError keyed("the weights have no tensor 'x'", trawl::tensor_in("", "x", "model.path"));
  const InputError placed = keyed.at(SourcePos{"sweep.toml", 3, 8});
  CHECK(std::string(placed.what()) == "sweep.toml:3:8: the weights have no tensor 'x'");
  CHECK(placed.key() == "model.path");
  CHECK(placed.where().tensor == "x");
}

TEST_CASE("an input error about a trial names it after the problem", "[core]") {
  const InputError e = trawl::input_error_at(SourcePos{"sweep.toml", 8, 10}, "pattern matches nothing")
                           .of_trial(3, "seed=0 model.layers=1");
  CHECK(std::string(e.what()) == "sweep.toml:8:10: pattern matches nothing (trial 3: seed=0 model.layers=1)");
  CHECK(e.where().trial == 3);
  CHECK(e.where().pos.column == 10);
}
