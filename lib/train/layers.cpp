#include "train/layers.hpp"

#include <cmath>

namespace trawl {

namespace {

torch::Tensor empty(at::IntArrayRef shape, torch::Device device) {
  return torch::empty(shape, torch::TensorOptions().dtype(torch::kFloat).device(device));
}

}  // namespace

// As torch::nn::Linear::reset_parameters: kaiming_uniform_(a = sqrt(5)),
// then the bias uniform in +-1/sqrt(fan_in).
LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, bool with_bias, torch::Device device) {
  weight = register_parameter("weight", empty({out, in}, device));
  if (with_bias) bias = register_parameter("bias", empty({out}, device));
  if (device.is_meta()) return;
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (with_bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    torch::nn::init::uniform_(bias, -bound, bound);
  }
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) { return torch::linear(x, weight, bias); }

EmbeddingImpl::EmbeddingImpl(std::int64_t count, std::int64_t dim, torch::Device device) {
  weight = register_parameter("weight", empty({count, dim}, device));
  if (device.is_meta()) return;
  torch::NoGradGuard no_grad;
  torch::nn::init::normal_(weight);
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& indices) { return torch::embedding(weight, indices); }

LayerNormImpl::LayerNormImpl(std::int64_t dim, torch::Device device) {
  weight = register_parameter("weight", empty({dim}, device));
  bias = register_parameter("bias", empty({dim}, device));
  if (device.is_meta()) return;
  torch::NoGradGuard no_grad;
  weight.fill_(1.0);
  bias.fill_(0.0);
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, 1e-5);
}

}  // namespace trawl
