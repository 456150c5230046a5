#include "spec/metrics.hpp"

namespace trawl {

std::vector<std::string> metric_names(const std::string& task, int classes) {
  if (task == "regression") return {"train.loss", "val.loss", "val.mae"};
  if (task == "lm") return {"train.loss", "val.loss", "val.perplexity", "val.accuracy"};
  std::vector<std::string> names{"train.loss", "val.loss", "val.accuracy"};
  if (classes == 2) names.push_back("val.auc");
  return names;
}

bool higher_is_better(const std::string& metric) {
  return metric == "val.accuracy" || metric == "val.auc";
}

}  // namespace trawl
