// lib/checkpoint: a Hugging Face causal language model's config.json, for the
// architectures trawl implements (LlamaForCausalLM, Qwen2ForCausalLM,
// MistralForCausalLM, and their *ForSequenceClassification: the same decoder
// with a score head instead of lm_head). Whatever a config asks for that trawl does not
// implement is an InputError naming the key and the file, so nothing trains
// on a model that would silently differ from the Hugging Face one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace trawl {

struct RopeScaling {
  std::string type;  // "" (none), "linear" or "llama3"
  double factor = 1, low_freq_factor = 1, high_freq_factor = 4;
  std::int64_t original_max_position_embeddings = 8192;
};

struct CausalLmConfig {
  std::string file;          // the config.json read
  std::string architecture;  // the decoder's, e.g. "Qwen2ForCausalLM", also for a sequence classifier
  // A *ForSequenceClassification checkpoint: score.weight [num_labels,
  // hidden] instead of lm_head.weight.
  bool sequence_classifier = false;
  std::int64_t num_labels = 0;  // a sequence classifier's (num_labels, or id2label's size)
  std::int64_t hidden_size = 0, intermediate_size = 0, num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0, num_key_value_heads = 0, head_dim = 0;
  std::int64_t vocab_size = 0, max_position_embeddings = 0;
  double rms_norm_eps = 1e-6, rope_theta = 10000;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false, o_bias = false, mlp_bias = false;
  std::optional<std::int64_t> sliding_window;  // Mistral's, when set
  std::string torch_dtype = "float32";         // "float32", "bfloat16" or "float16"
  double initializer_range = 0.02;             // the std of a new head's normal initialisation
  std::optional<std::int64_t> pad_token_id, eos_token_id;
  std::string text;                            // the file as read, for exports
};

// Reads <dir>/config.json. Throws InputError "<file>: <key> ...".
CausalLmConfig read_causal_lm_config(const std::string& dir);

// What a full fine-tune's export changes in the original config.json.
struct ExportedConfig {
  std::string torch_dtype;  // the dtype its weights were written in
  // A sequence classifier's: architectures becomes *ForSequenceClassification,
  // with num_labels (id2label, label2id), pad_token_id and problem_type.
  std::int64_t num_labels = 0;  // 0: a causal LM, as the original
  std::int64_t pad_token_id = 0;
  bool regression = false;
};

// config.json for a full fine-tune's export: the original, changed as `exported` says.
std::string exported_config_json(const CausalLmConfig& config, const ExportedConfig& exported);
// "LlamaForCausalLM" -> "LlamaForSequenceClassification"
std::string sequence_classifier_architecture(const std::string& causal_lm_architecture);

}  // namespace trawl
