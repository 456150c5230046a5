// lib/train: the layers of the built-in models (MLP, GPT): torch::nn's
// Linear, Embedding and LayerNorm, with the same parameter names, the same
// initialisation (the same draws from torch's generator, in the same order)
// and the same forward, but built on a device of the caller's choosing. On
// the meta device they take no memory and draw nothing: `trawl validate`
// checks the shapes of a model of any size in no time.
#pragma once

#include <torch/torch.h>

namespace trawl {

class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(std::int64_t in, std::int64_t out, bool bias, torch::Device device);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;  // bias undefined without one
};
TORCH_MODULE(Linear);

class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(std::int64_t count, std::int64_t dim, torch::Device device);
  torch::Tensor forward(const torch::Tensor& indices);
  torch::Tensor weight;
};
TORCH_MODULE(Embedding);

class LayerNormImpl : public torch::nn::Module {
 public:
  LayerNormImpl(std::int64_t dim, torch::Device device);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

}  // namespace trawl
