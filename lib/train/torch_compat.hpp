// lib/train: what differs between libtorch 1.13 (Debian 12) and 2.x
// (Debian 13; the libtorch inside a pip or conda PyTorch), here and nowhere
// else (train/torch_info.hpp says which, without torch). Everything else in
// trawl is written against the API both share.
#pragma once

#include <torch/torch.h>

#include "train/torch_info.hpp"

namespace trawl {

// Causal attention of q over k and v ([batch, heads, positions, dim]), the
// queries being the last q.size(-2) of the keys' positions (past keys come
// from a KV cache), softmax in float: scaled_dot_product_attention on
// libtorch 2.x (fused kernels), the same arithmetic written out on 1.13.
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               std::int64_t past);

// Attention of q over k and v where `allowed` (bool, broadcast to [batch,
// heads, queries, keys]) is true, softmax in float, likewise: packed rows'
// (train/model.hpp's packed_attention_mask). Every query must see a key.
torch::Tensor masked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& allowed);

// Whether CUDA autocast is on now.
bool autocast_enabled();

// bf16 autocast for CUDA, on for the guard's lifetime (the API moved in 2.4).
class AutocastGuard {
 public:
  explicit AutocastGuard(bool on);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool on_;
};

}  // namespace trawl
