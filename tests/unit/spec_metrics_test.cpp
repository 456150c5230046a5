#include "catch_support.hpp"

#include <cmath>

#include "spec/metrics.hpp"

using trawl::better;
using trawl::Goal;

TEST_CASE("better compares toward the goal, strictly", "[spec]") {
  CHECK(better(0.1, 0.2, Goal::minimize));
  CHECK_FALSE(better(0.2, 0.1, Goal::minimize));
  CHECK(better(0.9, 0.8, Goal::maximize));
  CHECK_FALSE(better(0.8, 0.9, Goal::maximize));
  CHECK_FALSE(better(0.5, 0.5, Goal::minimize));  // a tie keeps the earlier
  CHECK_FALSE(better(0.5, 0.5, Goal::maximize));
}

TEST_CASE("better needs more than the margin", "[spec]") {
  CHECK_FALSE(better(0.95, 1.0, Goal::minimize, 0.05));
  CHECK(better(0.94, 1.0, Goal::minimize, 0.05));
  CHECK_FALSE(better(1.05, 1.0, Goal::maximize, 0.05));
  CHECK(better(1.06, 1.0, Goal::maximize, 0.05));
}

TEST_CASE("NaN never beats anything and any number beats NaN", "[spec]") {
  const double nan = std::nan("");
  for (const Goal goal : {Goal::minimize, Goal::maximize}) {
    CHECK_FALSE(better(nan, 1.0, goal));
    CHECK_FALSE(better(nan, nan, goal));
    CHECK(better(1.0, nan, goal));
    CHECK(better(-1e300, nan, goal, 1.0));
  }
}

TEST_CASE("sweep.mode names a goal and back", "[spec]") {
  CHECK(trawl::goal_of_mode("max") == Goal::maximize);
  CHECK(trawl::goal_of_mode("min") == Goal::minimize);
  CHECK(std::string(trawl::mode_name(Goal::maximize)) == "max");
  CHECK(std::string(trawl::mode_name(trawl::goal_of_mode("min"))) == "min");
}

TEST_CASE("the metric table gives each metric its goal, its tasks and when it is measured", "[spec]") {
  CHECK(trawl::goal_of_metric("val.auc") == trawl::Goal::maximize);
  CHECK(trawl::goal_of_metric("val.perplexity") == trawl::Goal::minimize);
  CHECK(trawl::goal_of_metric("infer.throughput.b16") == trawl::Goal::maximize);
  CHECK(trawl::goal_of_metric("infer.p99_ms.b16") == trawl::Goal::minimize);
  CHECK(trawl::goal_of_metric("gen.tokens_per_s") == trawl::Goal::maximize);
  CHECK(trawl::measured_after_training("infer.latency_ms.b4"));
  CHECK(trawl::measured_after_training("gen.exact_match"));
  CHECK_FALSE(trawl::measured_after_training("val.accuracy"));
  CHECK(trawl::metric_names("lm") ==
        std::vector<std::string>{"train.loss", "val.loss", "val.perplexity", "val.accuracy"});
  CHECK(trawl::metric_names("regression") == std::vector<std::string>{"train.loss", "val.loss", "val.mae"});
  CHECK(trawl::metric_names("classification", 3) ==
        std::vector<std::string>{"train.loss", "val.loss", "val.accuracy", "val.f1"});
  CHECK(trawl::metric_names("classification", 2).size() == 7);
  CHECK(trawl::infer_metric_names({8}) ==
        std::vector<std::string>{"infer.latency_ms.b8", "infer.p99_ms.b8", "infer.throughput.b8"});
  CHECK(trawl::task_names() == std::vector<std::string>{"classification", "regression", "lm"});
}
