// lib/checkpoint: a fine-tune's result in the layouts the Hugging Face
// ecosystem loads: a PEFT LoRA adapter (peft.PeftModel.from_pretrained) or a
// whole model directory (transformers' from_pretrained).
#pragma once

#include <string>
#include <vector>

#include "checkpoint/hf_config.hpp"
#include "checkpoint/train_state.hpp"

namespace trawl {

struct LoraAdapterConfig {
  std::string base_model;  // base_model_name_or_path
  std::int64_t rank = 0;
  double alpha = 0, dropout = 0;
  std::vector<std::string> target_modules;
};

// <dir>/adapter_model.safetensors (keys base_model.model.<name>, e.g.
// base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight) and
// <dir>/adapter_config.json (peft_type LORA, task_type CAUSAL_LM).
void write_peft_adapter(const std::string& dir, const LoraAdapterConfig& config, const NamedTensors& lora);

// <dir>/config.json and <dir>/model.safetensors.
void write_hf_model(const std::string& dir, const CausalLmConfig& config, const NamedTensors& weights);

}  // namespace trawl
