#include "train/task_metrics.hpp"

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "train/auc.hpp"
#include "train/class_metrics.hpp"
#include "train/token_data.hpp"

namespace trawl {

namespace F = torch::nn::functional;

namespace {

F::CrossEntropyFuncOptions summed_cross_entropy(double smoothing) {
  return F::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(smoothing);
}

// What every task's ranks add up member by member: the loss, a count of hits
// (or a sum of errors), and how many targets those cover.
struct Totals {
  using Field = double;
  double loss = 0, hits_or_error = 0, targets = 0;
};

// A shard whose metrics all come from Totals.
class SummedShard : public ShardMetrics {
 protected:
  Totals sums_;
  Totals reduced(const Communicator* group) const {
    return group && group->size() > 1 ? group->all_reduce<Totals>(sums_, MPI_SUM) : sums_;
  }
};

// classification: val.accuracy, val.f1 (macro); with two classes val.auc,
// val.precision and val.recall of class 1.
class ClassificationShard : public SummedShard {
 public:
  explicit ClassificationShard(std::int64_t classes) : counts_(classes) {}
  void add(const torch::Tensor& out, const torch::Tensor& y) override {
    sums_.loss += F::cross_entropy(out, y, summed_cross_entropy(0)).item<double>();
    sums_.targets += static_cast<double>(y.size(0));
    const torch::Tensor predicted = out.argmax(1);
    sums_.hits_or_error += predicted.eq(y).sum().item<double>();
    const torch::Tensor p = predicted.to(torch::kCPU, torch::kLong).contiguous(), l = y.to(torch::kCPU).contiguous();
    for (std::int64_t i = 0; i < p.numel(); ++i) counts_.add(p.data_ptr<std::int64_t>()[i], l.data_ptr<std::int64_t>()[i]);
    if (counts_.classes() != 2) return;
    const torch::Tensor score = torch::softmax(out, 1).select(1, 1).contiguous().cpu();
    scores_.insert(scores_.end(), score.data_ptr<float>(), score.data_ptr<float>() + score.numel());
    labels_.insert(labels_.end(), l.data_ptr<std::int64_t>(), l.data_ptr<std::int64_t>() + l.numel());
  }
  std::map<std::string, double> reduce(const Communicator* group) override {
    const Totals t = reduced(group);
    std::map<std::string, double> metrics{{"val.loss", t.loss / t.targets}, {"val.accuracy", t.hits_or_error / t.targets}};
    std::vector<double>& counts = counts_.flat();
    const bool shared = group && group->size() > 1;
    if (shared) group->all_reduce(counts.data(), counts.data(), static_cast<int>(counts.size()), MPI_DOUBLE, MPI_SUM);
    metrics.merge(class_metrics(counts_));
    if (counts_.classes() != 2) return metrics;
    if (shared) {
      scores_ = group->all_gather(scores_);
      labels_ = group->all_gather(labels_);
    }
    metrics["val.auc"] = roc_auc(scores_, labels_);
    return metrics;
  }

 private:
  ClassCounts counts_;
  std::vector<float> scores_;
  std::vector<std::int64_t> labels_;
};

class Classification : public TaskMetrics {
 public:
  torch::Tensor loss_sum(const torch::Tensor& out, const torch::Tensor& y, double smoothing) const override {
    return F::cross_entropy(out, y, summed_cross_entropy(smoothing));
  }
  std::unique_ptr<ShardMetrics> shard(std::int64_t classes) const override {
    return std::make_unique<ClassificationShard>(classes);
  }
};

torch::Tensor as_columns(const torch::Tensor& y) { return y.dim() == 1 ? y.unsqueeze(1) : y; }

// regression: val.loss is the MSE, val.mae the mean absolute error (each
// averaged over a row's outputs).
class RegressionShard : public SummedShard {
 public:
  void add(const torch::Tensor& out, const torch::Tensor& y) override {
    const torch::Tensor error = out - as_columns(y);
    sums_.loss += error.pow(2).mean(1).sum().item<double>();
    sums_.hits_or_error += error.abs().mean(1).sum().item<double>();
    sums_.targets += static_cast<double>(y.size(0));
  }
  std::map<std::string, double> reduce(const Communicator* group) override {
    const Totals t = reduced(group);
    return {{"val.loss", t.loss / t.targets}, {"val.mae", t.hits_or_error / t.targets}};
  }
};

class Regression : public TaskMetrics {
 public:
  torch::Tensor loss_sum(const torch::Tensor& out, const torch::Tensor& y, double) const override {
    return (out - as_columns(y)).pow(2).mean(1).sum();
  }
  std::unique_ptr<ShardMetrics> shard(std::int64_t) const override { return std::make_unique<RegressionShard>(); }
};

torch::Tensor token_cross_entropy(const torch::Tensor& out, const torch::Tensor& y, double smoothing) {
  return F::cross_entropy(out.reshape({-1, out.size(-1)}), y.reshape({-1}), summed_cross_entropy(smoothing));
}

// lm: per trained token (labels other than ignored_label), val.loss,
// val.perplexity = exp(val.loss) and val.accuracy of the next token.
class LanguageModelShard : public SummedShard {
 public:
  void add(const torch::Tensor& out, const torch::Tensor& y) override {
    sums_.loss += token_cross_entropy(out, y, 0).item<double>();
    const torch::Tensor trained = y.ne(ignored_label);
    sums_.hits_or_error += out.argmax(-1).eq(y).logical_and(trained).sum().item<double>();
    sums_.targets += trained.sum().item<double>();
  }
  std::map<std::string, double> reduce(const Communicator* group) override {
    const Totals t = reduced(group);
    const double loss = t.loss / t.targets;
    return {{"val.loss", loss}, {"val.perplexity", std::exp(loss)}, {"val.accuracy", t.hits_or_error / t.targets}};
  }
};

class LanguageModel : public TaskMetrics {
 public:
  torch::Tensor loss_sum(const torch::Tensor& out, const torch::Tensor& y, double smoothing) const override {
    return token_cross_entropy(out, y, smoothing);
  }
  std::unique_ptr<ShardMetrics> shard(std::int64_t) const override { return std::make_unique<LanguageModelShard>(); }
  const char* throughput_unit() const override { return "tokens/s"; }
};

}  // namespace

const TaskMetrics& task_metrics(const std::string& task) {
  static const Classification classification;
  static const Regression regression;
  static const LanguageModel lm;
  static const std::map<std::string, const TaskMetrics*> tasks{
      {"classification", &classification}, {"regression", &regression}, {"lm", &lm}};
  const auto found = tasks.find(task);
  if (found == tasks.end()) throw Error("no task '" + task + "' is registered (lib/train/task_metrics.cpp)");
  return *found->second;
}

}  // namespace trawl
