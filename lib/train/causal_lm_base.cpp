// Reading a Hugging Face model directory's base weights (causal_lm.hpp).
#include <filesystem>
#include <set>

#include "checkpoint/safetensors.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "train/causal_lm.hpp"

namespace trawl {

namespace {

using Shapes = std::vector<std::pair<std::string, std::vector<std::int64_t>>>;

void add_linear(Shapes& out, const std::string& name, std::int64_t out_features, std::int64_t in_features, bool bias) {
  out.emplace_back(name + ".weight", std::vector<std::int64_t>{out_features, in_features});
  if (bias) out.emplace_back(name + ".bias", std::vector<std::int64_t>{out_features});
}

// Every tensor the architecture has, by Hugging Face name, with its shape.
Shapes expected_tensors(const CausalLmConfig& c) {
  const std::int64_t h = c.hidden_size, q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  Shapes out{{"model.embed_tokens.weight", {c.vocab_size, h}}};
  for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    out.emplace_back(p + "input_layernorm.weight", std::vector<std::int64_t>{h});
    add_linear(out, p + "self_attn.q_proj", q, h, c.qkv_bias);
    add_linear(out, p + "self_attn.k_proj", kv, h, c.qkv_bias);
    add_linear(out, p + "self_attn.v_proj", kv, h, c.qkv_bias);
    add_linear(out, p + "self_attn.o_proj", h, q, c.o_bias);
    out.emplace_back(p + "post_attention_layernorm.weight", std::vector<std::int64_t>{h});
    add_linear(out, p + "mlp.gate_proj", c.intermediate_size, h, c.mlp_bias);
    add_linear(out, p + "mlp.up_proj", c.intermediate_size, h, c.mlp_bias);
    add_linear(out, p + "mlp.down_proj", h, c.intermediate_size, c.mlp_bias);
  }
  out.emplace_back("model.norm.weight", std::vector<std::int64_t>{h});
  // A *ForSequenceClassification checkpoint has its score head instead of lm_head.
  if (c.sequence_classifier)
    out.emplace_back("score.weight", std::vector<std::int64_t>{c.num_labels, h});
  else if (!c.tie_word_embeddings)
    out.emplace_back("lm_head.weight", std::vector<std::int64_t>{c.vocab_size, h});
  return out;
}

torch::ScalarType checkpoint_dtype(const CausalLmConfig& c) {
  if (c.torch_dtype == "bfloat16") return torch::kBFloat16;
  if (c.torch_dtype == "float16") return torch::kHalf;
  return torch::kFloat;
}

// A tensor the architecture does not have means the file is another model's.
void check_no_strays(const SafetensorsWeights& file, const Shapes& expected, const CausalLmConfig& c,
                     const std::string& dir) {
  std::set<std::string> known;
  for (const auto& [name, shape] : expected) known.insert(name);
  const std::string rotary = ".rotary_emb.inv_freq";  // buffers that Llama-2-era conversions saved
  for (const auto& name : file.names()) {
    const bool rotary_cache =
        name.size() > rotary.size() && name.compare(name.size() - rotary.size(), rotary.size(), rotary) == 0;
    const bool tied_head = name == "lm_head.weight" && c.tie_word_embeddings && !c.sequence_classifier;
    if (!known.count(name) && !rotary_cache && !tied_head)
      throw InputError("model.path '" + dir + "': the weights hold tensor '" + name + "', which " +
                       with_article(c.architecture) + " with this config.json does not have",
                     tensor_in("", name, "model.path"));
  }
  // Tied, transformers uses the embedding as the head and drops a saved head:
  // one that differs means the config and the weights disagree.
  if (c.tie_word_embeddings && !c.sequence_classifier && file.contains("lm_head.weight") &&
      !file.same_tensor("lm_head.weight", "model.embed_tokens.weight"))
    throw InputError("model.path '" + dir + "': config.json says tie_word_embeddings = true, but the weights hold an "
                     "lm_head.weight that differs from model.embed_tokens.weight (transformers would ignore it "
                     "and use the embedding); set tie_word_embeddings to false to train with that head", "model.path");
}

}  // namespace

std::shared_ptr<const CausalLmBase> load_causal_lm_base(const std::string& dir, torch::Device device) {
  auto base = std::make_shared<CausalLmBase>();
  base->dir = dir;
  base->config = read_causal_lm_config(dir);
  base->device = device;
  const SafetensorsWeights file(dir);
  const Shapes expected = expected_tensors(base->config);
  check_no_strays(file, expected, base->config, dir);
  const torch::ScalarType dtype = device.is_cuda() || device.is_meta() ? checkpoint_dtype(base->config) : torch::kFloat;
  torch::NoGradGuard no_grad;
  for (const auto& [name, shape] : expected)
    base->weights[name] = file.load(name, shape, dtype, device);
  return base;
}

std::shared_ptr<const CausalLmBase> CausalLmBases::get(const std::string& dir, torch::Device device) {
  const std::string key = dir + "\n" + device.str();
  auto it = loaded_.find(key);
  if (it != loaded_.end()) return it->second;
  return loaded_[key] = load_causal_lm_base(dir, device);
}

}  // namespace trawl
