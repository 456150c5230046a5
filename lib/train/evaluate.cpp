#include "train/evaluate.hpp"

#include <cmath>
#include <vector>

#include "train/auc.hpp"
#include "train/class_metrics.hpp"
#include "train/torch_compat.hpp"

namespace trawl {

namespace F = torch::nn::functional;

std::pair<std::int64_t, std::int64_t> piece(std::int64_t n, std::int64_t parts, std::int64_t index) {
  return {n * index / parts, n * (index + 1) / parts};
}

torch::Tensor loss_sum(const EvalTask& task, const torch::Tensor& out, const torch::Tensor& y, double smoothing) {
  const auto options = F::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(smoothing);
  if (task.task == "classification") return F::cross_entropy(out, y, options);
  if (task.task == "lm") return F::cross_entropy(out.reshape({-1, out.size(-1)}), y.reshape({-1}), options);
  return (out - (y.dim() == 1 ? y.unsqueeze(1) : y)).pow(2).mean(1).sum();
}

namespace {

// What the group sums member by member.
struct ShardTotals {
  using Field = double;
  double loss = 0, correct_or_error = 0, targets = 0;  // targets: rows, or trained tokens
};

// Per-rank sums of one validation shard, the class counts, and the
// two-class scores for AUC.
struct ShardSums : ShardTotals {
  explicit ShardSums(const EvalTask& task) : classes(task.task == "classification" ? task.classes : 0) {}
  ClassCounts classes;
  std::vector<float> scores;
  std::vector<std::int64_t> labels;
};

void add_class_counts(const torch::Tensor& predicted, const torch::Tensor& y, ClassCounts& counts) {
  const torch::Tensor p = predicted.to(torch::kCPU, torch::kLong).contiguous(), l = y.to(torch::kCPU).contiguous();
  for (std::int64_t i = 0; i < p.numel(); ++i) counts.add(p.data_ptr<std::int64_t>()[i], l.data_ptr<std::int64_t>()[i]);
}

void add_batch(const EvalTask& task, const torch::Tensor& out, const torch::Tensor& y, ShardSums& sums) {
  sums.loss += loss_sum(task, out, y, 0.0).item<double>();
  if (task.task == "lm") {
    torch::Tensor trained = y.ne(-100);
    sums.correct_or_error += out.argmax(-1).eq(y).logical_and(trained).sum().item<double>();
    sums.targets += trained.sum().item<double>();
    return;
  }
  sums.targets += static_cast<double>(y.size(0));
  if (task.task == "classification") {
    const torch::Tensor predicted = out.argmax(1);
    sums.correct_or_error += predicted.eq(y).sum().item<double>();
    add_class_counts(predicted, y, sums.classes);
    if (task.classes != 2) return;
    torch::Tensor p = torch::softmax(out, 1).select(1, 1).contiguous().cpu();
    sums.scores.insert(sums.scores.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
    torch::Tensor l = y.cpu().contiguous();
    sums.labels.insert(sums.labels.end(), l.data_ptr<std::int64_t>(), l.data_ptr<std::int64_t>() + l.numel());
  } else if (task.task == "regression") {
    sums.correct_or_error += (out - (y.dim() == 1 ? y.unsqueeze(1) : y)).abs().mean(1).sum().item<double>();
  }
}

std::map<std::string, double> group_metrics(const EvalTask& task, ShardSums& sums) {
  const ShardTotals totals = task.ranks() > 1 ? task.group->all_reduce<ShardTotals>(sums, MPI_SUM) : sums;
  const double count = totals.targets;
  std::map<std::string, double> metrics{{"val.loss", totals.loss / count}};
  if (task.task == "classification") {
    metrics["val.accuracy"] = totals.correct_or_error / count;
    std::vector<double>& counts = sums.classes.flat();
    if (task.ranks() > 1)
      task.group->all_reduce(counts.data(), counts.data(), static_cast<int>(counts.size()), MPI_DOUBLE, MPI_SUM);
    metrics.merge(class_metrics(sums.classes));
    if (task.classes == 2) {
      if (task.ranks() > 1) {
        sums.scores = task.group->all_gather(sums.scores);
        sums.labels = task.group->all_gather(sums.labels);
      }
      metrics["val.auc"] = roc_auc(sums.scores, sums.labels);
    }
  } else if (task.task == "regression") {
    metrics["val.mae"] = totals.correct_or_error / count;
  } else {
    metrics["val.perplexity"] = std::exp(metrics["val.loss"]);
    metrics["val.accuracy"] = totals.correct_or_error / count;
  }
  return metrics;
}

}  // namespace

std::map<std::string, double> evaluate(const EvalTask& task, Model& model, const DataView& view, std::int64_t batch,
                                       bool bf16) {
  torch::NoGradGuard no_grad;
  AutocastGuard autocast(bf16);
  model.train(false);
  const std::int64_t n = view.val_examples();
  auto [begin, end] = piece(n, task.ranks(), task.rank());
  ShardSums sums(task);
  for (std::int64_t first = begin; first < end; first += batch) {
    Batch b = view.val(first, std::min(end, first + batch));
    add_batch(task, model.forward(b.x.to(task.device)).to(torch::kFloat), b.y.to(task.device), sums);
  }
  model.train(true);
  return group_metrics(task, sums);
}

}  // namespace trawl
