#include "spec/metrics.hpp"

#include <cmath>

namespace trawl {

std::vector<std::string> metric_names(const std::string& task, int classes) {
  if (task == "regression") return {"train.loss", "val.loss", "val.mae"};
  if (task == "lm") return {"train.loss", "val.loss", "val.perplexity", "val.accuracy"};
  std::vector<std::string> names{"train.loss", "val.loss", "val.accuracy", "val.f1"};
  if (classes == 2) names.insert(names.end(), {"val.auc", "val.precision", "val.recall"});
  return names;
}

std::vector<std::string> infer_metric_names(const std::vector<std::int64_t>& batch_sizes, bool single) {
  const std::vector<std::string> measures{"infer.latency_ms", "infer.p99_ms", "infer.throughput"};
  std::vector<std::string> names;
  for (const std::int64_t b : batch_sizes)
    for (const auto& measure : measures) names.push_back(measure + ".b" + std::to_string(b));
  if (single) names.insert(names.end(), measures.begin(), measures.end());
  return names;
}

bool times_one_batch_size(const SweepSpec& spec) {
  return spec.find_axis("infer.batch_size") || spec.integer("infer.batch_size") > 0;
}

bool generates(const SweepSpec& spec) {
  return spec.find_axis("infer.max_new_tokens") || spec.integer("infer.max_new_tokens") > 0;
}

bool measured_after_training(const std::string& metric) {
  return metric.rfind("infer.", 0) == 0 || metric.rfind("gen.", 0) == 0;
}

std::vector<std::string> sweep_metrics(const SweepSpec& spec, int classes) {
  std::vector<std::string> names = metric_names(spec.string("data.task"), classes);
  for (auto& name : infer_metric_names(spec.infer_batch_sizes, times_one_batch_size(spec)))
    names.push_back(std::move(name));
  if (generates(spec))
    names.insert(names.end(), {"gen.exact_match", "gen.token_accuracy", "gen.tokens_per_s", "gen.latency_ms"});
  return names;
}

Goal goal_of_metric(const std::string& metric) {
  const bool higher = metric == "val.accuracy" || metric == "val.auc" || metric == "val.f1" ||
                      metric == "val.precision" || metric == "val.recall" || metric.rfind("infer.throughput", 0) == 0 ||
                      metric == "gen.exact_match" || metric == "gen.token_accuracy" || metric == "gen.tokens_per_s";
  return higher ? Goal::maximize : Goal::minimize;
}

Goal goal_of_mode(const std::string& mode) { return mode == "max" ? Goal::maximize : Goal::minimize; }

const char* mode_name(Goal goal) { return goal == Goal::maximize ? "max" : "min"; }

bool better(double a, double b, Goal goal, double margin) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return goal == Goal::maximize ? a > b + margin : a < b - margin;
}

}  // namespace trawl
