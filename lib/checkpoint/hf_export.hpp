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
  // A sequence classifier's: task_type SEQ_CLS, and the score head trained
  // whole beside the adapters (modules_to_save ["score"]).
  bool sequence_classifier = false;
};

// <dir>/adapter_model.safetensors (keys base_model.model.<name>, e.g.
// base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight, and a
// module trained whole under its own name, base_model.model.score.weight, as
// PEFT's get_peft_model_state_dict saves a modules_to_save module) and
// <dir>/adapter_config.json (peft_type LORA, task_type CAUSAL_LM or SEQ_CLS).
void write_peft_adapter(const std::string& dir, const LoraAdapterConfig& config, const NamedTensors& trained);

// <dir>/config.json (the original changed as `exported` says; its dtype is
// the weights') and <dir>/model.safetensors.
void write_hf_model(const std::string& dir, const CausalLmConfig& config, ExportedConfig exported,
                    const NamedTensors& weights);

}  // namespace trawl
