// lib/train: Hugging Face causal language models of the Llama family
// (LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM) with optional LoRA
// adapters, following the Hugging Face modeling code: RMSNorm computed in
// fp32, rotate-half RoPE (llama3 and linear scaling), grouped-query attention
// by repeated KV heads, SwiGLU MLP, causal attention scaled by 1/sqrt(head_dim).
// Parameter names are Hugging Face's (model.layers.0.self_attn.q_proj.weight,
// ... .q_proj.lora_A.weight), so model.freeze patterns and exports use them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "checkpoint/hf_config.hpp"
#include "train/model.hpp"

namespace trawl {

// The frozen base weights of one model directory on one device: read once and
// shared by every trial that fine-tunes it (never trained: LoRA trains
// adapters, a full fine-tune trains its own copy).
struct CausalLmBase {
  std::string dir;
  CausalLmConfig config;
  torch::Device device{torch::kCPU};
  std::map<std::string, torch::Tensor> weights;  // Hugging Face names
};

// Base weights are kept in the checkpoint's dtype on a GPU, in fp32 on the
// CPU; on the meta device only shapes are checked (nothing is read).
std::shared_ptr<const CausalLmBase> load_causal_lm_base(const std::string& dir, torch::Device device);

// The bases this process has loaded, by directory and device.
class CausalLmBases {
 public:
  std::shared_ptr<const CausalLmBase> get(const std::string& dir, torch::Device device);

 private:
  std::map<std::string, std::shared_ptr<const CausalLmBase>> loaded_;
};

struct CausalLmOptions {
  std::int64_t seq_len = 0;
  std::int64_t lora_rank = 0;  // 0: full fine-tuning
  double lora_alpha = 0, lora_dropout = 0;
  std::vector<std::string> lora_targets;
  bool activation_checkpointing = false;
  std::string task = "lm";  // data.task: which head (train/causal_lm_head.hpp)
  std::int64_t num_labels = 0;    // a sequence classifier's (the data's classes; 1 for regression)
  std::int64_t pad_token_id = 0;  // what its rows are padded with, written to its export's config
};

// Throws InputError naming the key when the options do not fit the model.
std::unique_ptr<Model> make_causal_lm(std::shared_ptr<const CausalLmBase> base, const CausalLmOptions& options);

// Its save_final writes what the Hugging Face ecosystem loads, in the final
// weights' folder: with LoRA, a PEFT adapter in adapter/
// (adapter_model.safetensors and adapter_config.json; a sequence
// classifier's is task_type SEQ_CLS with its score head in modules_to_save);
// without, the whole model in model/ (config.json and model.safetensors, a
// *ForSequenceClassification for a classifier).

}  // namespace trawl
