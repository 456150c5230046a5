// lib/train: the heads a causal LM's body carries, one per data.task,
// registered in causal_lm_head.cpp: the LM head (next-token logits, task
// "lm") and Hugging Face's *ForSequenceClassification score head (tasks
// "classification" and "regression").
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/hf_config.hpp"
#include "checkpoint/train_state.hpp"

namespace trawl {

// A model tensor by its Hugging Face name: the base's, or a full
// fine-tune's trained copy of it.
using WeightLookup = std::function<const torch::Tensor&(const std::string&)>;

// What a head is made from.
struct HeadInputs {
  const CausalLmConfig& config;
  const std::map<std::string, torch::Tensor>& base;  // the checkpoint's tensors
  WeightLookup weight;                              // live weights, at forward
  std::int64_t num_labels = 0;                      // a sequence classifier's outputs
  torch::Device device{torch::kCPU};
};

class CausalLmHead {
 public:
  virtual ~CausalLmHead() = default;
  // The task's outputs from the body's final hidden states [batch, tokens,
  // hidden]; `lengths` (int64 [batch], or undefined: every row full) are the
  // rows' real tokens, padding after them.
  virtual torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& lengths) const = 0;
  // Weights the head trains itself, beside the body's (with LoRA too), by
  // Hugging Face name; the LM head reuses the model's own (none).
  virtual NamedTensors own_parameters() const { return {}; }
  // Whether a full fine-tune leaves out this checkpoint tensor: one the head
  // does not read, or one it trains its own copy of.
  virtual bool replaces(const std::string&) const { return false; }
  // A sequence classifier's labels; 0 for the LM head.
  virtual std::int64_t num_labels() const { return 0; }
  virtual bool regression() const { return false; }
};

// The head of `task`, made after the trial's seed (a new head's initial
// weights are drawn from it); InputError at data.task when no head is
// registered for it, at model.path when the checkpoint cannot carry it.
std::unique_ptr<CausalLmHead> make_causal_lm_head(const std::string& task, const HeadInputs& inputs);
// The tasks a causal LM has a head for, as registered.
std::vector<std::string> causal_lm_head_tasks();

}  // namespace trawl
