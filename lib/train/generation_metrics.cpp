#include "train/generation_metrics.hpp"

#include <chrono>

#include "train/generate.hpp"
#include "train/quantile.hpp"
#include "train/token_data.hpp"

namespace trawl {

namespace {

// Per-rank sums, added over the group.
struct GenerationSums {
  using Field = double;  // summed over the group member by member
  double matched = 0, labelled = 0, exact = 0, rows = 0, generated = 0, seconds = 0;
};

// One row: its prompt continued, and the answer it should have given.
void score_row(Model& model, const Batch& row, std::int64_t index, const InferSettings& settings,
               const EvalTask& task, std::int64_t context, GenerationSums& sums, std::vector<float>& latencies) {
  const torch::Tensor targets = row.y[0].to(torch::kCPU), inputs = row.x[0];
  const torch::Tensor labelled = targets.ne(ignored_label).nonzero();
  if (labelled.numel() == 0) return;  // no answer to score
  // targets[i] is the label of token i+1: the answer starts after token `first`.
  const std::int64_t first = labelled[0][0].item<std::int64_t>();
  std::int64_t n = 0;
  while (first + n < targets.size(0) && targets[first + n].item<std::int64_t>() != ignored_label) ++n;
  const Sampling sampling{settings.temperature, settings.top_k, settings.top_p,
                          static_cast<std::uint64_t>(settings.seed + index)};
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::int64_t> answer =
      generate(model, inputs.narrow(0, 0, first + 1).to(task.device), settings.max_new_tokens, context, sampling);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::int64_t matched = 0;
  for (std::int64_t k = 0; k < n && k < static_cast<std::int64_t>(answer.size()); ++k)
    matched += answer[static_cast<std::size_t>(k)] == targets[first + k].item<std::int64_t>();
  sums.matched += static_cast<double>(matched);
  sums.labelled += static_cast<double>(n);
  sums.exact += matched == n ? 1 : 0;
  sums.rows += 1;
  sums.generated += static_cast<double>(answer.size());
  sums.seconds += seconds;
  latencies.push_back(static_cast<float>(seconds * 1000));
}

}  // namespace

std::map<std::string, double> generation_metrics(Model& model, const DataView& view, const InferSettings& settings,
                                                 const EvalTask& task, std::int64_t context) {
  torch::NoGradGuard no_grad;
  model.train(false);
  const auto [begin, end] = piece(view.val_examples(), task.ranks(), task.rank());
  GenerationSums sums;
  std::vector<float> latencies;
  for (std::int64_t r = begin; r < end; ++r)
    score_row(model, view.val(r, r + 1), r, settings, task, context, sums, latencies);
  model.train(true);
  if (task.ranks() > 1) {
    sums = task.group->all_reduce(sums, MPI_SUM);
    latencies = task.group->all_gather(latencies);
  }
  return {{"gen.exact_match", sums.exact / sums.rows},
          {"gen.token_accuracy", sums.matched / sums.labelled},
          {"gen.tokens_per_s", sums.generated / sums.seconds},
          {"gen.latency_ms", quantile(std::vector<double>(latencies.begin(), latencies.end()), 0.5)}};
}

}  // namespace trawl
