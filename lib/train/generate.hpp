// lib/train: continuing a prompt with a language model, one token at a time
// with a KV cache (each token is read once), greedily or by sampling
// (docs/evaluation.md).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "train/model.hpp"

namespace trawl {

struct Sampling {
  double temperature = 0;        // 0: greedy (the argmax; the first on a tie)
  std::int64_t top_k = 0;        // keep the k most likely tokens; 0: all
  double top_p = 1;              // then the fewest whose probabilities reach top_p
  std::uint64_t seed = 0;        // of the CPU generator tokens are drawn with
};

// The prompt (int64 [tokens], at least one) read once, then up to `tokens`
// new tokens, each read once; fewer when the model's context (`context`
// tokens in all) is full. Deterministic for a sampling seed: draws are made
// on the CPU from the probabilities, whatever the model's device.
std::vector<std::int64_t> generate(Model& model, const torch::Tensor& prompt, std::int64_t tokens,
                                   std::int64_t context, const Sampling& sampling);

// The next token from the last position's logits [vocab] (fp32 on the CPU).
std::int64_t next_token(const torch::Tensor& logits, const Sampling& sampling, at::Generator& generator);

}  // namespace trawl
