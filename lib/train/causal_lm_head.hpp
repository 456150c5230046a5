// lib/train: the heads a causal LM's body carries, one per data.task,
// registered in causal_lm_head.cpp. The LM head (next-token logits, task
// "lm") is the first; a sequence classifier is a second row there.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/hf_config.hpp"
#include "checkpoint/train_state.hpp"

namespace trawl {

// A model tensor by its Hugging Face name: the base's, or a full
// fine-tune's trained copy of it.
using WeightLookup = std::function<const torch::Tensor&(const std::string&)>;

class CausalLmHead {
 public:
  virtual ~CausalLmHead() = default;
  // The task's outputs from the body's final hidden states [batch, tokens, hidden].
  virtual torch::Tensor forward(const torch::Tensor& hidden) const = 0;
  // Weights the head trains itself, beside the body's (with LoRA too), by
  // Hugging Face name; the LM head reuses the model's own (none).
  virtual NamedTensors own_parameters() const { return {}; }
};

// The head of `task` on a model of `config`; InputError at data.task when
// no head is registered for it.
std::unique_ptr<CausalLmHead> make_causal_lm_head(const std::string& task, const CausalLmConfig& config,
                                                  WeightLookup weight);
// The tasks a causal LM has a head for, as registered.
std::vector<std::string> causal_lm_head_tasks();

}  // namespace trawl
