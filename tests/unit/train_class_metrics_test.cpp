#include "catch_support.hpp"

#include <cmath>
#include <vector>

#include "train/class_metrics.hpp"

namespace {

trawl::ClassCounts counts_of(std::int64_t classes, const std::vector<std::int64_t>& labels,
                             const std::vector<std::int64_t>& predicted) {
  trawl::ClassCounts counts(classes);
  for (std::size_t i = 0; i < labels.size(); ++i) counts.add(predicted[i], labels[i]);
  return counts;
}

}  // namespace

// The expected values are scikit-learn 1.2's f1_score(average="macro"),
// precision_score and recall_score on the same labels and predictions.
TEST_CASE("macro F1 averages over the classes that were labelled or predicted", "[train]") {
  // Class 4 is neither: scikit-learn leaves it out of the mean, and so do we.
  const auto counts = counts_of(5, {0, 1, 2, 2, 1, 0, 3}, {0, 2, 2, 2, 1, 1, 1});
  CHECK(trawl::macro_f1(counts) == Approx(0.4666666666666667));
  CHECK(trawl::class_metrics(counts).count("val.precision") == 0);
  CHECK(std::isnan(trawl::macro_f1(trawl::ClassCounts(3))));
  CHECK_THROWS(trawl::ClassCounts(2).add(2, 0));
}

TEST_CASE("two classes: precision and recall of class 1, 0 when nothing divides", "[train]") {
  const auto all_positive = trawl::class_metrics(counts_of(2, {0, 1, 1, 0}, {1, 1, 1, 1}));
  CHECK(all_positive.at("val.f1") == Approx(1.0 / 3));
  CHECK(all_positive.at("val.precision") == Approx(0.5));
  CHECK(all_positive.at("val.recall") == Approx(1.0));
  const auto none_predicted = trawl::class_metrics(counts_of(2, {0, 1, 1, 0}, {0, 0, 0, 0}));
  CHECK(none_predicted.at("val.precision") == 0.0);
  CHECK(none_predicted.at("val.recall") == 0.0);
  CHECK(trawl::recall(counts_of(2, {0, 0}, {0, 1}), 1) == 0.0);
}

TEST_CASE("class counts of two shards add up to the counts of the whole", "[train]") {
  const std::vector<std::int64_t> labels{0, 1, 2, 2, 1, 0, 2, 1}, predicted{0, 2, 2, 1, 1, 0, 2, 0};
  trawl::ClassCounts first = counts_of(3, {labels.begin(), labels.begin() + 3}, {predicted.begin(), predicted.begin() + 3});
  const trawl::ClassCounts second =
      counts_of(3, {labels.begin() + 3, labels.end()}, {predicted.begin() + 3, predicted.end()});
  trawl::ClassCounts copy = second;
  for (std::size_t i = 0; i < first.flat().size(); ++i) first.flat()[i] += copy.flat()[i];
  CHECK(trawl::macro_f1(first) == Approx(trawl::macro_f1(counts_of(3, labels, predicted))));
  CHECK(trawl::macro_f1(first) == Approx(0.6222222222222222));  // scikit-learn
}
