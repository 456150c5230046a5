// lib/train: F1, precision and recall from per-class counts. Counts, not
// rates, are what ranks add up, so the metrics are exact for any
// data-parallel split of the validation set.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace trawl {

// For each class: how often it was predicted, how often it was the label,
// and how often both. Laid out flat ([predicted..., labelled..., hits...])
// so one all-reduce adds a group's counts.
class ClassCounts {
 public:
  explicit ClassCounts(std::int64_t classes);
  void add(std::int64_t predicted, std::int64_t label);
  std::vector<double>& flat() { return counts_; }
  std::int64_t classes() const { return classes_; }

  double predicted(std::int64_t c) const { return counts_[static_cast<std::size_t>(c)]; }
  double labelled(std::int64_t c) const { return counts_[static_cast<std::size_t>(classes_ + c)]; }
  double hits(std::int64_t c) const { return counts_[static_cast<std::size_t>(2 * classes_ + c)]; }

 private:
  std::int64_t classes_;
  std::vector<double> counts_;
};

// Mean of the per-class F1 = 2·hits / (predicted + labelled) over the classes
// that were predicted or labelled at least once (as scikit-learn's
// f1_score(average="macro")); NaN when there were no examples.
double macro_f1(const ClassCounts& counts);
// Of class `c`: hits / predicted and hits / labelled; 0 when the divisor is
// 0 (scikit-learn's zero_division=0).
double precision(const ClassCounts& counts, std::int64_t c);
double recall(const ClassCounts& counts, std::int64_t c);

// val.f1, and with two classes val.precision and val.recall of class 1.
std::map<std::string, double> class_metrics(const ClassCounts& counts);

}  // namespace trawl
