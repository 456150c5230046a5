#include "catch_support.hpp"

#include <fstream>

#include "spec/parse.hpp"
#include "spec/spec_hash.hpp"
#include "test_files.hpp"

using trawl::test::parse;
using trawl::test::parse_error;
using trawl::test::Contains;
using trawl::test::StartsWith;

namespace {
const std::string data = "[data]\npath = \"d.h5\"\n";
}

TEST_CASE("a minimal sweep file gets every default", "[spec]") {
  trawl::SweepSpec spec = parse(data);
  CHECK(spec.string("sweep.name") == "sweep");
  CHECK(spec.string("sweep.dir") == "runs/sweep");
  CHECK(spec.string("sweep.metric") == "val.loss");
  CHECK(spec.string("sweep.mode") == "min");
  CHECK(spec.integer("train.steps") == 1000);
  CHECK(spec.real("train.lr") == Approx(1e-3));
  CHECK(spec.seeds == std::vector<std::int64_t>{0});
  CHECK(spec.dimensions.empty());
}

TEST_CASE("LoRA keys as a [model.lora] table, dotted keys or grid axes; a causal_lm evaluates 8 sequences at a time",
          "[spec]") {
  const std::string lm = "[data]\nkind = \"tokens\"\ntrain_file = \"t.bin\"\nval_file = \"v.bin\"\n";
  trawl::SweepSpec table = parse(lm + "[model]\nkind = \"causal_lm\"\npath = \"m\"\n[model.lora]\nrank = 16\n"
                                      "targets = [\"q_proj\", \"v_proj\"]\n");
  CHECK(table.integer("model.lora.rank") == 16);
  CHECK(table.real("model.lora.alpha") == Approx(16.0));
  CHECK(table.lora_targets == std::vector<std::string>{"q_proj", "v_proj"});
  CHECK(table.integer("train.eval_batch_size") == 8);
  trawl::SweepSpec dotted = parse(lm + "[model]\nkind = \"causal_lm\"\npath = \"m\"\nlora.alpha = 32\n"
                                       "[train]\neval_batch_size = 2\n[grid]\nmodel.lora.rank = [0, 8]\n");
  CHECK(dotted.real("model.lora.alpha") == Approx(32.0));
  CHECK(dotted.integer("train.eval_batch_size") == 2);
  REQUIRE(dotted.find_axis("model.lora.rank"));
  CHECK(dotted.find_axis("model.lora.rank")->values.size() == 2);
  CHECK(parse(data).integer("train.eval_batch_size") == 1024);
  // Keys added in 0.3 at their defaults leave older sweeps' hashes (and their resume) alone.
  const std::string dir = trawl::test::scratch_dir("spec-lora-hash");
  std::ofstream(dir + "/d.h5") << "data";
  CHECK(trawl::settings_hash(parse(data, dir)) == trawl::settings_hash(parse(data + "[model]\nlora.rank = 8\n", dir)));
  CHECK(trawl::settings_hash(parse(data, dir)) != trawl::settings_hash(parse(data + "[model]\nlora.rank = 4\n", dir)));
}

TEST_CASE("the mode follows the metric unless given", "[spec]") {
  CHECK(parse(data + "[sweep]\nmetric = \"val.accuracy\"\n").string("sweep.mode") == "max");
  CHECK(parse(data + "[sweep]\nmetric = \"val.accuracy\"\nmode = \"min\"\n").string("sweep.mode") == "min");
}

TEST_CASE("unknown keys name file, line, column and a suggestion", "[spec]") {
  std::string error = parse_error(data + "[train]\nsteps = 10\nlearning_rate = 0.1\n");
  CHECK_THAT(error, StartsWith("sweep.toml:5:1: "));
  CHECK_THAT(error, Contains("unknown key 'train.learning_rate'"));
  CHECK_THAT(parse_error(data + "[train]\nbatchsize = 3\n"), Contains("did you mean 'train.batch_size'"));
  CHECK_THAT(parse_error(data + "[trian]\nsteps = 3\n"), Contains("unknown section 'trian' (did you mean 'train'?)"));
}

TEST_CASE("wrong types are errors at the value", "[spec]") {
  CHECK_THAT(parse_error(data + "[train]\nsteps = \"ten\"\n"), StartsWith("sweep.toml:4:9: train.steps must be an integer"));
  CHECK_THAT(parse_error(data + "[train]\nsteps = 1.5\n"), Contains("train.steps must be an integer, not a float"));
  CHECK_THAT(parse_error(data + "[train]\nlr = [0.1, 0.2]\n"), Contains("to sweep it, put it under [grid]"));
  CHECK_THAT(parse_error(data + "[train]\noptimizer = \"adam\"\n"), Contains("did you mean 'adamw'"));
  // An integer is a fine float.
  CHECK(parse(data + "[train]\nlr = 1\n").real("train.lr") == 1.0);
}

TEST_CASE("TOML syntax errors carry their position", "[spec]") {
  CHECK_THAT(parse_error(data + "[train]\nsteps = = 3\n"), StartsWith("sweep.toml:4:"));
}

TEST_CASE("data.path is required", "[spec]") {
  CHECK_THAT(parse_error("[train]\nsteps = 3\n"), Contains("data.path is required"));
}

TEST_CASE("seeds come from one place", "[spec]") {
  CHECK(parse(data + "[sweep]\nseeds = [3, 1]\n").seeds == std::vector<std::int64_t>{3, 1});
  CHECK(parse(data + "[train]\nseed = 5\n").seeds == std::vector<std::int64_t>{5});
  CHECK_THAT(parse_error(data + "[sweep]\nseeds = [1]\n[train]\nseed = 2\n"), Contains("both set"));
  CHECK_THAT(parse_error(data + "[sweep]\nseeds = [1, 1]\n"), Contains("twice"));
  CHECK_THAT(parse_error(data + "[sweep]\nseeds = []\n"), Contains("empty"));
}

TEST_CASE("the metric must be one the task reports", "[spec]") {
  CHECK_THAT(parse_error(data + "[sweep]\nmetric = \"val.acc\"\n"), Contains("did you mean 'val.accuracy'"));
  CHECK_THAT(parse_error("[data]\npath = \"d\"\ntask = \"regression\"\n[sweep]\nmetric = \"val.accuracy\"\n"),
             Contains("a regression task reports train.loss, val.loss, val.mae"));
}

TEST_CASE("grid axes: lists, dotted keys and generators", "[spec][grid]") {
  trawl::SweepSpec spec = parse(data + R"([grid]
train.lr = {logspace = [1e-4, 1e-2, 3]}
train.optimizer = ["adamw", "sgd"]
model.hidden = {range = [16, 64, 16]}
model.dropout = {linspace = [0, 0.5, 3]}
)");
  REQUIRE(spec.dimensions.size() == 4);
  CHECK(spec.axis_names() == std::vector<std::string>{"train.lr", "train.optimizer", "model.hidden", "model.dropout"});
  // A [grid.<section>] table works as well as dotted keys.
  CHECK(parse(data + "[grid.train]\nwarmup_steps = [0, 10]\n").axis_names() ==
        std::vector<std::string>{"train.warmup_steps"});
  const auto& lr = spec.dimensions[0].axes[0].values;
  REQUIRE(lr.size() == 3);
  CHECK(std::get<double>(lr[0]) == Approx(1e-4));
  CHECK(std::get<double>(lr[1]) == Approx(1e-3));
  CHECK(std::get<double>(lr[2]) == 1e-2);
  const auto& hidden = spec.dimensions[2].axes[0].values;
  CHECK(hidden == std::vector<trawl::Value>{std::int64_t{16}, std::int64_t{32}, std::int64_t{48}});
  const auto& dropout = spec.dimensions[3].axes[0].values;
  CHECK(std::get<double>(dropout[1]) == Approx(0.25));
}

TEST_CASE("grid errors name the axis and its position", "[spec][grid]") {
  CHECK_THAT(parse_error(data + "[grid]\ntrain.lrr = [1.0]\n"), Contains("did you mean 'train.lr'"));
  CHECK_THAT(parse_error(data + "[grid]\ntrain.lrr = [1.0]\n"), StartsWith("sweep.toml:4:"));
  CHECK_THAT(parse_error(data + "[grid]\ntrain.lr = []\n"), Contains("grid axis train.lr has no values"));
  CHECK_THAT(parse_error(data + "[grid]\ndata.path = [\"a\", \"b\"]\n"), Contains("cannot be a grid axis"));
  CHECK_THAT(parse_error(data + "[grid]\nmodel.hidden = [1, 2.5]\n"), StartsWith("sweep.toml:4:"));
  CHECK_THAT(parse_error(data + "[grid]\nmodel.hidden = [1, 2.5]\n"), Contains("must be an integer"));
  CHECK_THAT(parse_error(data + "[grid]\nmodel.hidden = {linspace = [1, 2, 3]}\n"), Contains("integer key"));
  CHECK_THAT(parse_error(data + "[grid]\ntrain.lr = {logspace = [0, 1, 3]}\n"), Contains("must be positive"));
  CHECK_THAT(parse_error(data + "[grid]\ntrain.lr = [0.1, 0.1]\n"), Contains("lists 0.1 twice"));
  CHECK_THAT(parse_error(data + "[grid]\ntrain.steps = {range = [10, 0, 1]}\n"), Contains("has no values"));
  CHECK_THAT(parse_error(data + "[grid]\ntrain.optimizer = [\"adamw\", \"rmsprop\"]\n"), Contains("must be one of"));
}

TEST_CASE("zip groups advance together and need equal lengths", "[spec][grid]") {
  trawl::SweepSpec spec = parse(data + R"([grid]
train.lr = [0.1, 0.2]
[grid.zip.arch]
model.hidden = [32, 64, 128]
model.layers = [1, 2, 3]
)");
  REQUIRE(spec.dimensions.size() == 2);
  CHECK(spec.dimensions[1].name == "zip.arch");
  CHECK(spec.dimensions[1].axes.size() == 2);
  CHECK(spec.dimensions[1].size() == 3);

  std::string error = parse_error(data + "[grid.zip.arch]\nmodel.hidden = [32, 64]\nmodel.layers = [1, 2, 3]\n");
  CHECK_THAT(error, StartsWith("sweep.toml:5:"));
  CHECK_THAT(error, Contains("has 3 values but model.hidden has 2"));
  CHECK_THAT(parse_error(data + "[grid]\nmodel.hidden = [1]\n[grid.zip.a]\nmodel.hidden = [2]\n"),
             Contains("already swept"));
}

TEST_CASE("exclusions must name grid axes and values on them", "[spec][grid]") {
  const std::string grid = data + "[grid]\ntrain.lr = [0.1, 0.01]\ntrain.optimizer = [\"adamw\", \"sgd\"]\n";
  trawl::SweepSpec spec = parse(grid + "[[exclude]]\ntrain.optimizer = \"sgd\"\ntrain.lr = 0.01\n");
  REQUIRE(spec.exclusions.size() == 1);
  CHECK(spec.exclusions[0].match.size() == 2);

  std::string unknown = parse_error(grid + "[[exclude]]\ntrain.optimiser = \"sgd\"\n");
  CHECK_THAT(unknown, StartsWith("sweep.toml:7:"));
  CHECK_THAT(unknown, Contains("not a grid axis (did you mean 'train.optimizer'?)"));
  CHECK_THAT(parse_error(grid + "[[exclude]]\ntrain.lr = 0.5\n"), Contains("0.5 is not on grid axis train.lr"));
  CHECK_THAT(parse_error(grid + "[[exclude]]\n"), Contains("is empty"));
}

TEST_CASE("relative paths resolve against the sweep file's directory", "[spec]") {
  trawl::SweepSpec spec = parse(data, "/work/sweeps");
  CHECK(spec.results_file() == "/work/sweeps/runs/sweep/results.h5");
  CHECK(spec.resolve_path(spec.string("data.path")) == "/work/sweeps/d.h5");
  CHECK(spec.resolve_path("/abs/x.h5") == "/abs/x.h5");
}

TEST_CASE("[prune] needs the dynamic schedule, a first rung below the steps and axes to group by", "[spec][prune]") {
  const std::string base = "[data]\npath = \"d.h5\"\n[train]\nsteps = 100\n[grid]\ntrain.lr = [0.1, 0.01]\n";
  const std::string halving = "[prune]\nrule = \"halving\"\nmin_steps = 10\n";
  std::string error = parse_error(base + halving);
  CHECK_THAT(error, Contains("sweep.toml:8:8: prune.rule = \"halving\" needs sweep.schedule = \"dynamic\""));
  CHECK_THAT(error, Contains("the default"));
  error = parse_error("[sweep]\nschedule = \"static\"\n" + base + halving);
  CHECK_THAT(error, Contains("(it is \"static\" at sweep.toml:2:12)"));
  const std::string dynamic = "[sweep]\nschedule = \"dynamic\"\n" + base;
  CHECK_THAT(parse_error(dynamic + "[prune]\nrule = \"halving\"\n"), Contains("needs prune.min_steps >= 1"));
  CHECK_THAT(parse_error(dynamic + "[prune]\nrule = \"halving\"\nmin_steps = 100\n"),
             Contains("sweep.toml:11:13: prune.min_steps (100) must be below train.steps (100)"));
  CHECK_THAT(parse_error(dynamic + "[prune]\nrule = \"halving\"\nmin_steps = 10\nreduction = 1\n"),
             Contains("prune.reduction must be at least 2"));
  CHECK_THAT(parse_error(dynamic + halving + "group_by = [\"train.l\"]\n"),
             Contains("prune.group_by names 'train.l', which is not a grid axis (did you mean 'train.lr'?)"));
  CHECK_THAT(parse_error(dynamic + "[prune]\nmin_steps = 10\n"),
             Contains("prune.min_steps is set but prune.rule is \"none\""));
  const trawl::SweepSpec spec = trawl::test::parse(dynamic + halving + "group_by = [\"train.lr\"]\n");
  CHECK(spec.prune_group_by == std::vector<std::string>{"train.lr"});
  CHECK(spec.integer("prune.reduction") == 3);
  CHECK_THAT(parse_error(dynamic + "infer.batch_size = [1, 8]\n" + halving),
             Contains("sweep.toml:9:7: grid axis infer.batch_size is evaluation-only") &&
                 Contains("does not support"));
}

TEST_CASE("train.patience and train.min_delta are grid axes; a sweep without them keeps its hash", "[spec][prune]") {
  const std::string base = "[data]\npath = \"d.h5\"\n[train]\nsteps = 100\n";
  const trawl::SweepSpec spec = trawl::test::parse(base + "[grid]\ntrain.patience = [0, 3]\n");
  CHECK(spec.find_axis("train.patience") != nullptr);
  const std::string dir = trawl::test::scratch_dir("spec-patience-hash");
  std::ofstream(dir + "/d.h5") << "data";
  CHECK(trawl::settings_hash(parse(base, dir)) ==
        trawl::settings_hash(parse(base + "patience = 0\nmin_delta = 0.0\n[prune]\nrule = \"none\"\n", dir)));
  CHECK(trawl::settings_hash(parse(base, dir)) != trawl::settings_hash(parse(base + "patience = 2\n", dir)));
}

TEST_CASE("the parser stops at the first axis that takes the grid past 10^7 points", "[spec]") {
  const std::string axes =
      "[grid]\ntrain.steps = {range = [1, 10001]}\ntrain.warmup_steps = {range = [0, 10000]}\n"
      "train.eval_every = {range = [1, 1000001]}\n";
  // 10^4 x 10^4 = 10^8 at the second axis (line 7), before the 10^6-value third is made.
  CHECK_THAT(parse_error(data + "[sweep]\nseeds = [1]\n" + axes),
             StartsWith("sweep.toml:7:7: ") && Contains("with train.warmup_steps (10000 values) the grid has more than "
                                                    "10000000 points; a sweep holds at most 10000000 trials"));
  CHECK_THAT(parse_error(data + "[grid]\ntrain.steps = {range = [1, 10001]}\ntrain.lr = {linspace = [0.1, 1, 1001]}\n"),
             Contains("with train.lr (1001 values) the grid has more than 10000000 points"));
  // With [[exclude]] tables, which may drop points, only a grid past 2^62 is refused here.
  CHECK_NOTHROW(trawl::test::parse(data + "[grid]\ntrain.steps = {range = [1, 10001]}\n"
                                          "train.lr = {linspace = [0.1, 1, 1001]}\n[[exclude]]\ntrain.steps = [1]\n"));
}
