#include "spec/metrics.hpp"

namespace trawl {

std::vector<std::string> metric_names(const std::string& task, int classes) {
  if (task == "regression") return {"train.loss", "val.loss", "val.mae"};
  if (task == "lm") return {"train.loss", "val.loss", "val.perplexity", "val.accuracy"};
  std::vector<std::string> names{"train.loss", "val.loss", "val.accuracy", "val.f1"};
  if (classes == 2) names.insert(names.end(), {"val.auc", "val.precision", "val.recall"});
  return names;
}

std::vector<std::string> infer_metric_names(const std::vector<std::int64_t>& batch_sizes) {
  std::vector<std::string> names;
  for (const std::int64_t b : batch_sizes)
    for (const char* measure : {"infer.latency_ms.b", "infer.p99_ms.b", "infer.throughput.b"})
      names.push_back(measure + std::to_string(b));
  return names;
}

std::vector<std::string> sweep_metrics(const SweepSpec& spec, int classes) {
  std::vector<std::string> names = metric_names(spec.string("data.task"), classes);
  for (auto& name : infer_metric_names(spec.infer_batch_sizes)) names.push_back(std::move(name));
  return names;
}

bool higher_is_better(const std::string& metric) {
  return metric == "val.accuracy" || metric == "val.auc" || metric == "val.f1" || metric == "val.precision" ||
         metric == "val.recall" || metric.rfind("infer.throughput.", 0) == 0;
}

}  // namespace trawl
