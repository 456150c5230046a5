#include "catch_support.hpp"

#include <cmath>

#include "train/auc.hpp"
#include "train/lr_schedule.hpp"

TEST_CASE("warmup then cosine follows the documented formula", "[train]") {
  trawl::TrainSettings t;
  t.lr = 0.1;
  t.steps = 110;
  t.warmup_steps = 10;
  t.min_lr_ratio = 0.2;
  t.schedule = "cosine";
  CHECK(trawl::learning_rate(t, 0) == Approx(0.01));
  CHECK(trawl::learning_rate(t, 9) == Approx(0.1));
  CHECK(trawl::learning_rate(t, 10) == Approx(0.1));
  CHECK(trawl::learning_rate(t, 60) == Approx(0.1 * (0.2 + 0.8 * 0.5)));
  const double pi = std::acos(-1.0);
  CHECK(trawl::learning_rate(t, 109) == Approx(0.1 * (0.2 + 0.8 * 0.5 * (1 + std::cos(pi * 99 / 100)))));
  t.schedule = "constant";
  CHECK(trawl::learning_rate(t, 5) == Approx(0.06));
  CHECK(trawl::learning_rate(t, 100) == Approx(0.1));
}

TEST_CASE("AUC is the Mann-Whitney statistic with ties averaged", "[train]") {
  CHECK(trawl::roc_auc({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1}) == Approx(0.75));
  CHECK(trawl::roc_auc({0.1f, 0.2f, 0.3f}, {0, 1, 1}) == Approx(1.0));
  CHECK(trawl::roc_auc({0.5f, 0.5f}, {0, 1}) == Approx(0.5));
  CHECK(std::isnan(trawl::roc_auc({0.5f, 0.7f}, {1, 1})));
}
