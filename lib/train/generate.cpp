#include "train/generate.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

#include "core/error.hpp"

namespace trawl {

namespace {

// Hugging Face's order: temperature, then top-k, then top-p (nucleus).
torch::Tensor filtered_probabilities(const torch::Tensor& logits, const Sampling& s) {
  torch::Tensor scaled = logits / s.temperature;
  if (s.top_k > 0 && s.top_k < scaled.size(0)) {
    const double kth = std::get<0>(torch::topk(scaled, s.top_k)).min().item<double>();
    scaled = scaled.masked_fill(scaled < kth, -std::numeric_limits<float>::infinity());
  }
  torch::Tensor probabilities = torch::softmax(scaled, 0);
  if (s.top_p < 1) {
    auto [sorted, order] = torch::sort(probabilities, 0, true);
    // A token stays while the mass before it is below top_p: the most likely always does.
    torch::Tensor before = sorted.cumsum(0) - sorted;
    torch::Tensor dropped = torch::zeros_like(sorted, torch::kBool).scatter(0, order, before >= s.top_p);
    probabilities = probabilities.masked_fill(dropped, 0);
  }
  return probabilities / probabilities.sum();
}

}  // namespace

std::int64_t next_token(const torch::Tensor& logits, const Sampling& sampling, at::Generator& generator) {
  if (sampling.temperature <= 0) return logits.argmax().item<std::int64_t>();
  return torch::multinomial(filtered_probabilities(logits, sampling), 1, false, generator).item<std::int64_t>();
}

std::vector<std::int64_t> generate(Model& model, const torch::Tensor& prompt, std::int64_t tokens,
                                   std::int64_t context, const Sampling& sampling) {
  if (prompt.dim() != 1 || prompt.size(0) < 1) throw Error("generation needs a prompt of at least one token");
  torch::NoGradGuard no_grad;
  at::Generator generator = at::detail::createCPUGenerator(sampling.seed);
  KvCache cache;
  const auto device = prompt.device();
  std::vector<std::int64_t> out;
  torch::Tensor logits = model.forward_cached(prompt.unsqueeze(0), cache);
  while (static_cast<std::int64_t>(out.size()) < tokens) {
    out.push_back(next_token(logits[0][-1].to(torch::kCPU, torch::kFloat), sampling, generator));
    if (static_cast<std::int64_t>(out.size()) == tokens || cache.length >= context) break;
    logits = model.forward_cached(torch::tensor({out.back()}, torch::TensorOptions().dtype(torch::kLong).device(device))
                                      .unsqueeze(0),
                                  cache);
  }
  return out;
}

}  // namespace trawl
