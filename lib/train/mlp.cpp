#include "train/mlp.hpp"

namespace trawl {

MlpImpl::MlpImpl(std::int64_t inputs, std::int64_t hidden, std::int64_t layers, std::int64_t outputs,
                 double dropout, std::string activation, torch::Device device)
    : dropout_(dropout), activation_(std::move(activation)) {
  hidden_ = register_module("hidden", torch::nn::ModuleList());
  std::int64_t width = inputs;
  for (std::int64_t i = 0; i < layers; ++i) {
    hidden_->push_back(Linear(width, hidden, true, device));
    width = hidden;
  }
  head_ = register_module("head", Linear(width, outputs, true, device));
}

torch::Tensor MlpImpl::forward(torch::Tensor x) {
  for (const auto& layer : *hidden_) {
    x = layer->as<Linear>()->forward(x);
    if (activation_ == "gelu") x = torch::gelu(x);
    else if (activation_ == "tanh") x = torch::tanh(x);
    else x = torch::relu(x);
    if (dropout_ > 0) x = torch::dropout(x, dropout_, is_training());
  }
  return head_->forward(x);
}

}  // namespace trawl
