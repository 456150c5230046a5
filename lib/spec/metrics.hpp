// lib/spec: the metrics each task reports, by name. The results file has a
// curve and a final/best column for each; sweep.metric must be one of them.
#pragma once

#include <string>
#include <vector>

namespace trawl {

// classification: train.loss val.loss val.accuracy, and val.auc with two
// classes; regression: train.loss val.loss (MSE) val.mae.
std::vector<std::string> metric_names(const std::string& task, int classes = 2);
bool higher_is_better(const std::string& metric);

}  // namespace trawl
