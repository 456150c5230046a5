// lib/train: the built-in GPT-style byte-level causal language model.
// Parameter names, for model.freeze: tok_emb.weight, pos_emb.weight,
// blocks.<i>.{ln1,attn_qkv,attn_proj,ln2,mlp_fc,mlp_proj}.{weight,bias},
// ln_f.weight, ln_f.bias, head.weight.
#pragma once

#include <torch/torch.h>

#include "train/layers.hpp"
#include "train/model.hpp"

namespace trawl {

struct GptOptions {
  std::int64_t layers, d_model, heads, seq_len;
  double dropout;
  torch::Device device = torch::kCPU;  // meta: shapes only (layers.hpp)
};

class GptBlockImpl : public torch::nn::Module {
 public:
  explicit GptBlockImpl(const GptOptions& o);
  // With a cache: x holds the tokens after its cached ones, whose keys and
  // values (this layer's, `layer`) it attends to and then keeps.
  torch::Tensor forward(torch::Tensor x, KvCache* cache = nullptr, std::size_t layer = 0);

 private:
  GptOptions o_;
  LayerNorm ln1_{nullptr}, ln2_{nullptr};
  Linear attn_qkv_{nullptr}, attn_proj_{nullptr}, mlp_fc_{nullptr}, mlp_proj_{nullptr};
};
TORCH_MODULE(GptBlock);

class GptImpl : public torch::nn::Module {
 public:
  explicit GptImpl(const GptOptions& o);
  // tokens: int64 [batch, time ≤ seq_len] → logits [batch, time, 256].
  // With a cache, the tokens come after the cached ones (cached + time ≤
  // seq_len), and the cache then holds them too.
  torch::Tensor forward(torch::Tensor tokens, KvCache* cache = nullptr);

 private:
  GptOptions o_;
  Embedding tok_emb_{nullptr}, pos_emb_{nullptr};
  torch::nn::ModuleList blocks_;
  LayerNorm ln_f_{nullptr};
  Linear head_{nullptr};
};
TORCH_MODULE(Gpt);

}  // namespace trawl
