// lib/train: area under the ROC curve for two classes, from scores of class 1.
#pragma once

#include <cstdint>
#include <vector>

namespace trawl {

// The Mann–Whitney statistic with average ranks for ties; NaN when one class
// is absent.
double roc_auc(const std::vector<float>& scores, const std::vector<std::int64_t>& labels);

}  // namespace trawl
