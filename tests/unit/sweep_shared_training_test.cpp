#include "catch_support.hpp"

#include <cmath>
#include <fstream>

#include "core/error.hpp"
#include "sweep/shared_training.hpp"
#include "test_files.hpp"

namespace {

trawl::Trial trial(std::int64_t batch, double lr) {
  return trawl::Trial{0, 1, {{"train.lr", trawl::Value(lr)}, {"infer.batch_size", trawl::Value(batch)}}};
}

trawl::EvalPoint point(std::int64_t index, std::int64_t step, double loss) {
  return trawl::EvalPoint{index, step, {{"val.loss", loss}, {"train.loss", std::nan("")}}};
}

}  // namespace

TEST_CASE("siblings find one shared training; others and other settings do not", "[sweep]") {
  const std::string dir = trawl::test::scratch_dir("shared-training-key");
  const trawl::SharedTraining a(dir, trial(1, 0.1), "h"), b(dir, trial(8, 0.1), "h");
  CHECK(a.dir() == b.dir());
  CHECK(a.dir() != trawl::SharedTraining(dir, trial(1, 0.2), "h").dir());
  CHECK(a.dir() != trawl::SharedTraining(dir, trial(1, 0.1), "other settings").dir());
  CHECK_FALSE(a.trained());
}

TEST_CASE("a shared training keeps its eval points across a resume and leaves its outcome", "[sweep]") {
  const std::string dir = trawl::test::scratch_dir("shared-training-outcome");
  {
    trawl::SharedTraining first(dir, trial(1, 0.1), "h");
    first.add_point(point(0, 0, 2.0));
    first.add_point(point(1, 10, 1.0));
    first.add_point(point(2, 20, 0.9));  // this attempt dies after step 20
  }
  trawl::SharedTraining resumed(dir, trial(8, 0.1), "h");  // a sibling takes it over from step 10
  resumed.add_point(point(2, 20, 0.8));
  resumed.add_point(point(3, 25, 0.7));
  trawl::TrialOutcome outcome;
  outcome.steps = 25;
  outcome.best_step = 25;
  outcome.final_metrics = {{"val.loss", 0.7}, {"infer.latency_ms", 3.0}};
  outcome.best_metrics = {{"val.loss", 0.7}, {"train.loss", std::nan("")}};
  resumed.finish(7, outcome);
  const auto trained = trawl::SharedTraining(dir, trial(64, 0.1), "h").trained();
  REQUIRE(trained);
  CHECK(trained->trainer == 7);
  CHECK(trained->outcome.trained_by == 7);
  CHECK(trained->outcome.status == trawl::TrialStatus::done);
  CHECK(trained->outcome.steps == 25);
  CHECK(trained->outcome.final_metrics.count("infer.latency_ms") == 0);  // the trainer's own measurement
  CHECK(std::isnan(trained->outcome.best_metrics.at("train.loss")));
  REQUIRE(trained->points.size() == 4);
  CHECK(trained->points[2].metrics.at("val.loss") == 0.8);  // the resumed attempt's
  CHECK(std::isnan(trained->points[0].metrics.at("train.loss")));
  CHECK(trained->points[3].step == 25);
}

TEST_CASE("a damaged shared outcome is an error naming the file", "[sweep]") {
  const std::string dir = trawl::test::scratch_dir("shared-training-damaged");
  const trawl::SharedTraining shared(dir, trial(1, 0.1), "h");
  std::ofstream(shared.dir() + "/outcome.json") << "{\"trainer\": 3";
  CHECK_THROWS_WITH(shared.trained(), trawl::test::Contains(shared.dir() + "/outcome.json: damaged") &&
                                          trawl::test::Contains("remove the folder"));
}
