#include "catch_support.hpp"

#include <cmath>
#include <filesystem>

#include "grid/grid.hpp"
#include "grid/trial_settings.hpp"
#include "train/trainer.hpp"
#include "test_files.hpp"

namespace {

struct Recorder : trawl::TrainingObserver {
  std::vector<trawl::EvalPoint> points;
  void on_eval(const trawl::EvalPoint& point, double, const char*, double) override { points.push_back(point); }
};

struct Fixture {
  std::string dir;
  trawl::SweepSpec spec;
  trawl::Grid grid;
  trawl::Trainer trainer;
  Fixture(const std::string& name, const std::string& extra)
      : dir(make(name)),
        spec(trawl::test::parse("[data]\npath = \"d.h5\"\n" + extra, dir)),
        grid(spec),
        trainer(spec, trawl::inspect_data(spec), trawl::TrainerContext{nullptr, 0, 1}) {}
  static std::string make(const std::string& name) {
    std::string dir = trawl::test::scratch_dir(name);
    trawl::test::write_classification_data(dir + "/d.h5", 64, 6, 3);
    return dir;
  }
  trawl::TrialOutcome train(trawl::TrialId id, Recorder& recorder, const std::string& save = "") {
    return trainer.train(trawl::trial_settings(spec, grid.trial(id)), recorder, save);
  }
};

// A small MLP sweep; extra lines go into [model] and [train].
std::string small(const std::string& model = "", const std::string& train = "") {
  return "[sweep]\nmetric = \"val.accuracy\"\nseeds = [1, 2]\n[model]\nhidden = 16\nlayers = 1\n" + model +
         "[train]\nsteps = 30\nbatch_size = 8\neval_every = 10\n" + train;
}

}  // namespace

TEST_CASE("training is deterministic for a seed and learns", "[train]") {
  Fixture f("trainer-determinism", small("", "lr = 0.01\n"));
  Recorder a, b, c;
  trawl::TrialOutcome first = f.train(0, a);
  f.train(0, b);
  f.train(1, c);
  CHECK(first.status == trawl::TrialStatus::done);
  CHECK(first.steps == 30);
  REQUIRE(a.points.size() == 3);
  CHECK(a.points[2].step == 30);
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    CHECK(a.points[i].metrics.at("val.loss") == b.points[i].metrics.at("val.loss"));
    CHECK(a.points[i].metrics.at("train.loss") == b.points[i].metrics.at("train.loss"));
  }
  CHECK(a.points[0].metrics.at("val.loss") != c.points[0].metrics.at("val.loss"));
  CHECK(a.points.back().metrics.at("train.loss") < a.points.front().metrics.at("train.loss"));
  CHECK(first.best_metrics.at("val.accuracy") >= first.final_metrics.at("val.accuracy"));
}

TEST_CASE("a NaN loss ends the trial as diverged with its step", "[train]") {
  Fixture f("trainer-diverge", small("", "lr = 1e30\noptimizer = \"sgd\"\n"));
  Recorder r;
  trawl::TrialOutcome outcome = f.train(0, r);
  CHECK(outcome.status == trawl::TrialStatus::diverged);
  CHECK_THAT(outcome.message, trawl::test::Contains("at step"));
}

TEST_CASE("settings that cannot work throw an input error", "[train]") {
  Fixture f("trainer-bad", small() + "[grid]\ntrain.batch_size = [8, 1000]\n");
  Recorder r;
  CHECK_THROWS_WITH(f.train(1, r), trawl::test::Contains("larger than the training set"));
}

TEST_CASE("fine-tuning loads base weights and keeps frozen parameters fixed", "[train]") {
  Fixture base("trainer-base", small("", "lr = 0.01\n"));
  Recorder r;
  const std::string weights = base.dir + "/base.pt";
  base.train(0, r, weights);
  REQUIRE(std::filesystem::exists(weights));

  // Freezing everything but the head: the head still learns from the base.
  Fixture tune("trainer-tune", small("init = \"" + weights + "\"\nfreeze = [\"hidden.*\"]\n", "lr = 0.01\n"));
  Recorder tuned;
  CHECK_THROWS_WITH(Fixture("trainer-typo", small("freeze = [\"hiden.*\"]\n")).train(0, r),
                    trawl::test::Contains("matches no parameter"));
  trawl::TrialOutcome outcome = tune.train(0, tuned, tune.dir + "/tuned.pt");
  CHECK(outcome.status == trawl::TrialStatus::done);
  // Starting from the base, the first eval is already as good as the base's end.
  CHECK(tuned.points.front().metrics.at("val.loss") < r.points.front().metrics.at("val.loss"));
}
