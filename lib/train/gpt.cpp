#include "train/gpt.hpp"

#include <cmath>
#include <limits>
#include <tuple>

namespace trawl {

namespace {
constexpr std::int64_t vocabulary = 256;  // bytes
}

GptBlockImpl::GptBlockImpl(const GptOptions& o) : o_(o) {
  ln1_ = register_module("ln1", LayerNorm(o.d_model, o.device));
  attn_qkv_ = register_module("attn_qkv", Linear(o.d_model, 3 * o.d_model, true, o.device));
  attn_proj_ = register_module("attn_proj", Linear(o.d_model, o.d_model, true, o.device));
  ln2_ = register_module("ln2", LayerNorm(o.d_model, o.device));
  mlp_fc_ = register_module("mlp_fc", Linear(o.d_model, 4 * o.d_model, true, o.device));
  mlp_proj_ = register_module("mlp_proj", Linear(4 * o.d_model, o.d_model, true, o.device));
}

torch::Tensor GptBlockImpl::forward(torch::Tensor x, KvCache* cache, std::size_t layer) {
  const auto b = x.size(0), t = x.size(1), h = o_.heads, d = o_.d_model / o_.heads;
  auto qkv = attn_qkv_->forward(ln1_->forward(x)).chunk(3, -1);
  auto split = [&](const torch::Tensor& y) { return y.view({b, t, h, d}).transpose(1, 2); };
  torch::Tensor q = split(qkv[0]), k = split(qkv[1]), v = split(qkv[2]);
  const std::int64_t past = cache ? cache->length : 0;
  if (cache) std::tie(k, v) = cache->extend(layer, k, v);
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
  scores = scores.masked_fill(future_positions(t, past, x.device()), -std::numeric_limits<float>::infinity());
  torch::Tensor attention = torch::dropout(torch::softmax(scores, -1), o_.dropout, is_training());
  torch::Tensor y = torch::matmul(attention, v).transpose(1, 2).contiguous().view({b, t, o_.d_model});
  x = x + torch::dropout(attn_proj_->forward(y), o_.dropout, is_training());
  torch::Tensor m = mlp_proj_->forward(torch::gelu(mlp_fc_->forward(ln2_->forward(x))));
  return x + torch::dropout(m, o_.dropout, is_training());
}

GptImpl::GptImpl(const GptOptions& o) : o_(o) {
  tok_emb_ = register_module("tok_emb", Embedding(vocabulary, o.d_model, o.device));
  pos_emb_ = register_module("pos_emb", Embedding(o.seq_len, o.d_model, o.device));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < o.layers; ++i) blocks_->push_back(GptBlock(o));
  ln_f_ = register_module("ln_f", LayerNorm(o.d_model, o.device));
  head_ = register_module("head", Linear(o.d_model, vocabulary, false, o.device));
}

torch::Tensor GptImpl::forward(torch::Tensor tokens, KvCache* cache) {
  const auto t = tokens.size(1);
  torch::Tensor positions = token_positions(tokens, cache, o_.seq_len, torch::kLong);
  torch::Tensor x = torch::dropout(tok_emb_->forward(tokens) + pos_emb_->forward(positions), o_.dropout, is_training());
  std::size_t layer = 0;
  for (const auto& block : *blocks_) x = block->as<GptBlock>()->forward(x, cache, layer++);
  if (cache) cache->length += t;
  return head_->forward(ln_f_->forward(x));
}

}  // namespace trawl
