#include "train/class_metrics.hpp"

#include <limits>
#include <stdexcept>

namespace trawl {

ClassCounts::ClassCounts(std::int64_t classes)
    : classes_(classes), counts_(static_cast<std::size_t>(3 * classes), 0.0) {}

void ClassCounts::add(std::int64_t predicted, std::int64_t label) {
  if (predicted < 0 || predicted >= classes_ || label < 0 || label >= classes_)
    throw std::out_of_range("class counts: class out of range");
  counts_[static_cast<std::size_t>(predicted)] += 1;
  counts_[static_cast<std::size_t>(classes_ + label)] += 1;
  if (predicted == label) counts_[static_cast<std::size_t>(2 * classes_ + label)] += 1;
}

double macro_f1(const ClassCounts& counts) {
  double sum = 0;
  std::int64_t seen = 0;
  for (std::int64_t c = 0; c < counts.classes(); ++c) {
    const double either = counts.predicted(c) + counts.labelled(c);
    if (either == 0) continue;
    sum += 2 * counts.hits(c) / either;
    ++seen;
  }
  return seen ? sum / static_cast<double>(seen) : std::numeric_limits<double>::quiet_NaN();
}

double precision(const ClassCounts& counts, std::int64_t c) {
  return counts.predicted(c) > 0 ? counts.hits(c) / counts.predicted(c) : 0.0;
}

double recall(const ClassCounts& counts, std::int64_t c) {
  return counts.labelled(c) > 0 ? counts.hits(c) / counts.labelled(c) : 0.0;
}

std::map<std::string, double> class_metrics(const ClassCounts& counts) {
  std::map<std::string, double> metrics{{"val.f1", macro_f1(counts)}};
  if (counts.classes() == 2) {
    metrics["val.precision"] = precision(counts, 1);
    metrics["val.recall"] = recall(counts, 1);
  }
  return metrics;
}

}  // namespace trawl
