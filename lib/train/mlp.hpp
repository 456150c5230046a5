// lib/train: the built-in MLP. Parameter names, for model.freeze patterns:
// hidden.<i>.weight, hidden.<i>.bias (i = 0..layers-1), head.weight, head.bias.
#pragma once

#include <torch/torch.h>

#include <string>

#include "train/layers.hpp"

namespace trawl {

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(std::int64_t inputs, std::int64_t hidden, std::int64_t layers, std::int64_t outputs, double dropout,
          std::string activation, torch::Device device = torch::kCPU);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::ModuleList hidden_;
  Linear head_{nullptr};
  double dropout_;
  std::string activation_;
};
TORCH_MODULE(Mlp);

}  // namespace trawl
