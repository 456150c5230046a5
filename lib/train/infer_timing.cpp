#include "train/infer_timing.hpp"

#include <torch/cuda.h>

#include <chrono>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "train/evaluate.hpp"
#include "train/quantile.hpp"
#include "train/torch_compat.hpp"

namespace trawl {

namespace {

// `rows` validation inputs from row `first` on (as evaluation pads them),
// from the start again at the end of the split.
Batch inputs_from(const DataView& view, std::int64_t first, std::int64_t rows) {
  const std::int64_t n = view.val_examples();
  if (n < 1) throw Error("inference timing needs validation examples; the validation split is empty");
  std::vector<Batch> parts;
  for (std::int64_t have = 0, at = first % n; have < rows; at = 0) {
    const std::int64_t take = std::min(n - at, rows - have);
    parts.push_back(view.val(at, at + take));
    have += take;
  }
  if (parts.size() == 1) return parts.front();
  std::vector<torch::Tensor> x, lengths;
  std::int64_t width = 0;
  for (const Batch& b : parts) width = std::max(width, b.x.size(1));
  for (const Batch& b : parts) {
    x.push_back(torch::constant_pad_nd(b.x, {0, width - b.x.size(1)}));
    if (b.lengths.defined()) lengths.push_back(b.lengths);
  }
  return Batch{torch::cat(x), {}, lengths.empty() ? torch::Tensor() : torch::cat(lengths)};
}

// A CUDA forward returns before its kernels finish: wait for them.
void synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// Pass i runs the i-th b rows of the validation split, read before the
// clock starts: where rows differ in length (a sequence classifier's), the
// times are those of the data's own mix of lengths.
std::vector<double> forward_milliseconds(Model& model, const DataView& view, std::int64_t b,
                                         const InferSettings& settings, torch::Device device) {
  for (std::int64_t i = 0; i < settings.warmup; ++i) forward_batch(model, inputs_from(view, i * b, b), device);
  synchronize(device);
  std::vector<double> times;
  for (std::int64_t i = 0; i < settings.iterations; ++i) {
    const Batch inputs = inputs_from(view, i * b, b);
    const auto start = std::chrono::steady_clock::now();
    forward_batch(model, inputs, device);
    synchronize(device);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return times;
}

}  // namespace

std::map<std::string, double> time_inference(Model& model, const DataView& view, const InferSettings& settings,
                                             torch::Device device, bool bf16) {
  torch::NoGradGuard no_grad;
  AutocastGuard autocast(bf16);
  model.train(false);
  std::vector<std::pair<std::int64_t, std::string>> timed;  // batch size, metric suffix
  for (const std::int64_t b : settings.batch_sizes) timed.emplace_back(b, ".b" + std::to_string(b));
  if (settings.batch_size > 0) timed.emplace_back(settings.batch_size, "");
  std::map<std::string, double> metrics;
  for (const auto& [b, suffix] : timed) {
    const std::vector<double> ms = forward_milliseconds(model, view, b, settings, device);
    const double total_seconds = std::accumulate(ms.begin(), ms.end(), 0.0) / 1000;
    const double items = static_cast<double>(b * view.val_tokens_per_example()) * static_cast<double>(ms.size());
    metrics["infer.latency_ms" + suffix] = quantile(ms, 0.5);
    metrics["infer.p99_ms" + suffix] = quantile(ms, 0.99);
    metrics["infer.throughput" + suffix] = items / total_seconds;
  }
  model.train(true);
  return metrics;
}

}  // namespace trawl
