#include "catch_support.hpp"

#include <torch/torch.h>

#include <cmath>
#include <set>
#include <string>

#include "spec/metrics.hpp"
#include "train/task_metrics.hpp"
#include "train/token_data.hpp"

namespace {

struct Batch {
  torch::Tensor out, y;
};

// One validation batch of each task's shape.
Batch batch_for(const std::string& task, std::int64_t classes) {
  torch::manual_seed(3);
  if (task == "regression") return {torch::randn({6, 1}), torch::randn({6})};
  if (task == "lm") {
    torch::Tensor y = torch::randint(0, 5, {2, 4}, torch::kLong);
    y[0][0] = trawl::ignored_label;
    return {torch::randn({2, 4, 5}), y};
  }
  return {torch::randn({6, classes}), torch::tensor({0L, 1L, 1L, 0L, 1L, classes - 1}, torch::kLong)};
}

std::set<std::string> val_metrics_of(const std::string& task, int classes) {
  std::set<std::string> names;
  for (const auto& name : trawl::metric_names(task, classes))
    if (name != "train.loss") names.insert(name);
  return names;
}

}  // namespace

// The two registries agree: every task spec/metrics names is computed, and
// computes exactly the metrics the results file has columns for.
TEST_CASE("every task computes exactly the metrics spec/metrics names for it", "[train]") {
  for (const std::string& task : trawl::task_names()) {
    for (const int classes : {2, 3}) {
      const trawl::TaskMetrics& metrics = trawl::task_metrics(task);
      const Batch b = batch_for(task, classes);
      auto shard = metrics.shard(classes);
      shard->add(b.out, b.y);
      const auto measured = shard->reduce(nullptr);
      std::set<std::string> names;
      for (const auto& [name, value] : measured) names.insert(name);
      INFO(task << " with " << classes << " classes");
      CHECK(names == val_metrics_of(task, classes));
      CHECK(std::isfinite(measured.at("val.loss")));
    }
  }
  CHECK_THROWS(trawl::task_metrics("ranking"));
}

TEST_CASE("val.loss is the loss the trainer sums, per target", "[train]") {
  for (const std::string& task : trawl::task_names()) {
    const trawl::TaskMetrics& metrics = trawl::task_metrics(task);
    const Batch b = batch_for(task, 2);
    auto shard = metrics.shard(2);
    shard->add(b.out, b.y);
    const double targets = task == "lm" ? b.y.ne(trawl::ignored_label).sum().item<double>() : b.y.size(0);
    INFO(task);
    CHECK(shard->reduce(nullptr).at("val.loss") == Approx(metrics.loss_sum(b.out, b.y, 0).item<double>() / targets));
  }
  CHECK(std::string(trawl::task_metrics("lm").throughput_unit()) == "tokens/s");
}

TEST_CASE("lm accuracy counts only trained tokens", "[train]") {
  const torch::Tensor y = torch::tensor({trawl::ignored_label, std::int64_t{1}, std::int64_t{2}}, torch::kLong).unsqueeze(0);
  torch::Tensor out = torch::zeros({1, 3, 4});
  out[0][0][0] = 1;  // the ignored position: whatever it predicts does not count
  out[0][1][1] = 1;  // right
  out[0][2][3] = 1;  // wrong
  auto shard = trawl::task_metrics("lm").shard(0);
  shard->add(out, y);
  CHECK(shard->reduce(nullptr).at("val.accuracy") == Approx(0.5));
}
