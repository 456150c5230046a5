// lib/train: what differs between libtorch 1.13 (Debian 12) and 2.x
// (Debian 13; the libtorch inside a pip or conda PyTorch), here and nowhere
// else (train/torch_info.hpp says which, without torch). Everything else in trawl is written against the API both share.
#pragma once

#include <torch/torch.h>

#include "train/torch_info.hpp"

namespace trawl {

// Attention of q over k and v ([batch, heads, queries, dim]), softmax in
// float: scaled_dot_product_attention on libtorch 2.x (fused kernels), the
// same arithmetic written out on 1.13. hidden is true where a query may not
// see a key; when causal_from_start is set it must be the plain causal mask
// of a sequence with no cached keys (2.x then lets the kernel build it).
torch::Tensor scaled_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& hidden, bool causal_from_start);

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
