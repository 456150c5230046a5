#include "train/evaluate.hpp"

#include "train/torch_compat.hpp"

namespace trawl {

std::pair<std::int64_t, std::int64_t> piece(std::int64_t n, std::int64_t parts, std::int64_t index) {
  return {n * index / parts, n * (index + 1) / parts};
}

std::map<std::string, double> evaluate(const EvalTask& task, Model& model, const DataView& view, std::int64_t batch,
                                       bool bf16) {
  torch::NoGradGuard no_grad;
  AutocastGuard autocast(bf16);
  model.train(false);
  const std::int64_t n = view.val_examples();
  auto [begin, end] = piece(n, task.ranks(), task.rank());
  std::unique_ptr<ShardMetrics> sums = task.metrics->shard(task.classes);
  for (std::int64_t first = begin; first < end; first += batch) {
    Batch b = view.val(first, std::min(end, first + batch));
    sums->add(forward_batch(model, b, task.device).to(torch::kFloat), b.y.to(task.device));
  }
  model.train(true);
  return sums->reduce(task.group);
}

}  // namespace trawl
