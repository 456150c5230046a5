#include "train/causal_lm.hpp"

#include <cmath>
#include <filesystem>

#include "checkpoint/hf_export.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "train/causal_lm_head.hpp"
#include "train/evaluate.hpp"
#include "train/torch_compat.hpp"

namespace trawl {

namespace {

constexpr const char* projections[] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                       "mlp.gate_proj",    "mlp.up_proj",      "mlp.down_proj"};

// PEFT's rule: a target names a module or a dotted suffix of its path.
bool targets_module(const std::string& target, const std::string& module) {
  return module == target ||
         (module.size() > target.size() && module.compare(module.size() - target.size(), target.size(), target) == 0 &&
          module[module.size() - target.size() - 1] == '.');
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const auto half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// Hugging Face's rotary frequencies, with llama3 or linear scaling (fp32).
torch::Tensor inverse_frequencies(const CausalLmConfig& c) {
  const double d = static_cast<double>(c.head_dim);
  torch::Tensor inv = 1.0 / torch::pow(c.rope_theta, torch::arange(0, c.head_dim, 2, torch::kLong).to(torch::kFloat) / d);
  const RopeScaling& s = c.rope_scaling;
  if (s.type == "linear") return inv / s.factor;
  if (s.type != "llama3") return inv;
  const double old_len = static_cast<double>(s.original_max_position_embeddings);
  const double low_wavelen = old_len / s.low_freq_factor, high_wavelen = old_len / s.high_freq_factor;
  torch::Tensor wavelen = 2 * M_PI / inv;
  torch::Tensor scaled = torch::where(wavelen > low_wavelen, inv / s.factor, inv);
  torch::Tensor smooth = (old_len / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  torch::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  torch::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return torch::where(medium, smoothed, scaled);
}

// The rotary tables of one forward's positions, passed to every block, never
// kept in the model: a recomputing backward gets them as saved inputs. Packed
// rows add where each query may look (undefined: causal attention).
struct Rope {
  torch::Tensor cos, sin, mask = {};
};

struct Lora {
  torch::Tensor a, b;  // [rank, in], [out, rank]
};

class CausalLm;

// Activation checkpointing: a block's forward runs without keeping its
// activations; backward runs it again (same RNG state, same autocast) and
// back-propagates through the recomputation. A packed rows' mask is no input
// of the function (it has no gradient, and libtorch 2.x refuses an undefined
// tensor input): it is kept beside the saved tensors.
class CheckpointedBlock : public torch::autograd::Function<CheckpointedBlock> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor h, torch::Tensor cos,
                               torch::Tensor sin, const torch::Tensor* mask, CausalLm* model, std::int64_t layer);
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad);
};

class CausalLm : public Model {
 public:
  CausalLm(std::shared_ptr<const CausalLmBase> base, CausalLmOptions options);

  torch::Tensor forward(const torch::Tensor& ids) override { return head_->forward(body(ids, nullptr), {}); }
  torch::Tensor forward_packed(const torch::Tensor& ids, const torch::Tensor& positions) override {
    return head_->forward(body(ids, nullptr, positions), {});
  }
  torch::Tensor forward_padded(const torch::Tensor& ids, const torch::Tensor& lengths) override {
    return head_->forward(body(ids, nullptr), lengths);
  }
  torch::Tensor forward_cached(const torch::Tensor& ids, KvCache& cache) override {
    return head_->forward(body(ids, &cache), {});
  }
  NamedTensors named_parameters() override { return params_; }
  NamedTensors named_buffers() override { return {}; }
  void train(bool on) override { training_ = on; }
  void to(torch::Device device) override;
  std::string save_final(const std::string& path) override;

  torch::Tensor block(std::int64_t layer, const torch::Tensor& h, const Rope& rope, KvCache* cache = nullptr);
  const CausalLmBase& base() const { return *base_; }
  const CausalLmOptions& options() const { return options_; }
  double lora_dropout() const { return training_ ? options_.lora_dropout : 0.0; }

 private:
  void add_lora(const std::string& module, std::vector<bool>& used);
  const torch::Tensor& weight(const std::string& name) const;
  torch::Tensor linear(const torch::Tensor& x, const std::string& module) const;
  torch::Tensor rms_norm(const torch::Tensor& x, const std::string& name) const;
  torch::Tensor attention(const torch::Tensor& x, const std::string& prefix, const Rope& rope, KvCache* cache,
                          std::int64_t layer) const;
  // A causal LM is a body (embedding, blocks, final norm) and its task's
  // head on the last hidden states (train/causal_lm_head.hpp).
  // Packed rows give each token's position in its example.
  torch::Tensor body(const torch::Tensor& ids, KvCache* cache, const torch::Tensor& packed_positions = {});

  std::shared_ptr<const CausalLmBase> base_;
  const CausalLmConfig& config_;
  CausalLmOptions options_;
  std::map<std::string, torch::Tensor> own_;  // a full fine-tune's trained copy of the base
  std::map<std::string, Lora> lora_;          // by module path
  NamedTensors params_;
  std::unique_ptr<CausalLmHead> head_;
  bool training_ = true;
};

// The head first (a new one draws its weights from the trial's seed), then
// the body's trained weights: a full fine-tune's copy of the checkpoint's
// (less what the head replaces), or LoRA adapters.
CausalLm::CausalLm(std::shared_ptr<const CausalLmBase> base, CausalLmOptions options)
    : base_(std::move(base)), config_(base_->config), options_(std::move(options)) {
  torch::NoGradGuard no_grad;
  head_ = make_causal_lm_head(options_.task, HeadInputs{config_, base_->weights,
                                                        [this](const std::string& name) -> const torch::Tensor& {
                                                          return weight(name);
                                                        },
                                                        options_.num_labels, base_->device});
  if (options_.lora_rank == 0) {
    for (const auto& [name, w] : base_->weights) {
      if (head_->replaces(name)) continue;
      own_[name] = w.to(torch::kFloat, false, true);
      params_.emplace_back(name, own_[name]);
    }
    for (auto& named : head_->own_parameters()) params_.push_back(named);
    return;
  }
  std::vector<bool> used(options_.lora_targets.size(), false);
  for (std::int64_t i = 0; i < config_.num_hidden_layers; ++i)
    for (const char* projection : projections)
      add_lora("model.layers." + std::to_string(i) + "." + projection, used);
  for (std::size_t t = 0; t < used.size(); ++t)
    if (!used[t])
      throw InputError("model.lora.targets: '" + options_.lora_targets[t] +
                       "' names no linear module; they are q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, "
                       "down_proj (or a dotted path ending in one)", "model.lora.targets");
  for (auto& named : head_->own_parameters()) params_.push_back(named);
}

void CausalLm::add_lora(const std::string& module, std::vector<bool>& used) {
  bool wanted = false;
  for (std::size_t t = 0; t < options_.lora_targets.size(); ++t)
    if (targets_module(options_.lora_targets[t], module)) wanted = used[t] = true;
  if (!wanted) return;
  const torch::Tensor& w = weight(module + ".weight");
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(base_->device);
  Lora l{torch::empty({options_.lora_rank, w.size(1)}, opts), torch::zeros({w.size(0), options_.lora_rank}, opts)};
  // PEFT's initialisation: A like nn.Linear's default, B zero (so the start is the base model).
  if (!base_->device.is_meta()) torch::nn::init::kaiming_uniform_(l.a, std::sqrt(5.0));
  lora_[module] = l;
  params_.emplace_back(module + ".lora_A.weight", l.a);
  params_.emplace_back(module + ".lora_B.weight", l.b);
}

void CausalLm::to(torch::Device device) {
  if (device != base_->device)
    throw Error("a causal_lm is built on its base weights' device (" + base_->device.str() + "), not " + device.str());
}

const torch::Tensor& CausalLm::weight(const std::string& name) const {
  if (!own_.empty()) return own_.at(name);
  return base_->weights.at(name);
}

torch::Tensor CausalLm::linear(const torch::Tensor& x, const std::string& module) const {
  const std::string bias = module + ".bias";
  const bool has_bias = own_.empty() ? base_->weights.count(bias) > 0 : own_.count(bias) > 0;
  torch::Tensor y = torch::linear(x, weight(module + ".weight"), has_bias ? weight(bias) : torch::Tensor());
  auto it = lora_.find(module);
  if (it == lora_.end()) return y;
  // PEFT: the input in the adapter's dtype, the sum back in the result's.
  torch::Tensor in = x.to(it->second.a.scalar_type());
  if (lora_dropout() > 0) in = torch::dropout(in, lora_dropout(), true);
  const double scaling = options_.lora_alpha / static_cast<double>(options_.lora_rank);
  torch::Tensor update = torch::linear(torch::linear(in, it->second.a), it->second.b) * scaling;
  return (y + update).to(y.scalar_type());
}

torch::Tensor CausalLm::rms_norm(const torch::Tensor& x, const std::string& name) const {
  torch::Tensor f = x.to(torch::kFloat);
  f = f * torch::rsqrt(f.pow(2).mean(-1, true) + config_.rms_norm_eps);
  return weight(name) * f.to(x.scalar_type());
}

torch::Tensor CausalLm::attention(const torch::Tensor& x, const std::string& p, const Rope& rope, KvCache* cache,
                                  std::int64_t layer) const {
  const auto b = x.size(0), t = x.size(1), d = config_.head_dim, past = cache ? cache->length : 0;
  const auto heads = config_.num_attention_heads, kv = config_.num_key_value_heads;
  auto split = [&](const torch::Tensor& y, std::int64_t n) { return y.view({b, t, n, d}).transpose(1, 2); };
  torch::Tensor q = split(linear(x, p + "q_proj"), heads), k = split(linear(x, p + "k_proj"), kv);
  torch::Tensor v = split(linear(x, p + "v_proj"), kv);
  const torch::Tensor cos = rope.cos.to(q.scalar_type()), sin = rope.sin.to(q.scalar_type());
  q = q * cos + rotate_half(q) * sin;
  k = k * cos + rotate_half(k) * sin;
  if (cache) std::tie(k, v) = cache->extend(static_cast<std::size_t>(layer), k, v);  // cached after RoPE
  const auto keys = past + t;
  if (kv != heads) {  // repeat_kv
    k = k.unsqueeze(2).expand({b, kv, heads / kv, keys, d}).reshape({b, heads, keys, d});
    v = v.unsqueeze(2).expand({b, kv, heads / kv, keys, d}).reshape({b, heads, keys, d});
  }
  torch::Tensor out = rope.mask.defined() ? masked_attention(q, k, v, rope.mask) : causal_attention(q, k, v, past);
  return linear(out.transpose(1, 2).reshape({b, t, heads * d}), p + "o_proj");
}

torch::Tensor CausalLm::block(std::int64_t layer, const torch::Tensor& h_in, const Rope& rope, KvCache* cache) {
  const std::string p = "model.layers." + std::to_string(layer) + ".";
  torch::Tensor h =
      h_in + attention(rms_norm(h_in, p + "input_layernorm.weight"), p + "self_attn.", rope, cache, layer);
  torch::Tensor x = rms_norm(h, p + "post_attention_layernorm.weight");
  const std::string m = p + "mlp.";
  return h + linear(torch::silu(linear(x, m + "gate_proj")) * linear(x, m + "up_proj"), m + "down_proj");
}

torch::Tensor CausalLm::body(const torch::Tensor& ids, KvCache* cache, const torch::Tensor& packed_positions) {
  const auto t = ids.size(1);
  const torch::Tensor inverse = inverse_frequencies(config_).to(ids.device());
  const bool packed = packed_positions.defined();
  // [tokens, head_dim] tables, or [batch, 1, tokens, head_dim] for packed rows' own positions.
  torch::Tensor freqs = packed ? packed_positions.to(torch::kFloat).unsqueeze(-1) * inverse
                               : torch::outer(token_positions(ids, cache, options_.seq_len, torch::kFloat), inverse);
  torch::Tensor angles = torch::cat({freqs, freqs}, -1);
  if (packed) angles = angles.unsqueeze(1);
  const Rope rope{angles.cos(), angles.sin(), packed ? packed_attention_mask(packed_positions) : torch::Tensor()};
  torch::Tensor h = torch::embedding(weight("model.embed_tokens.weight"), ids);
  const bool recompute = options_.activation_checkpointing && training_ && torch::GradMode::is_enabled();
  // A frozen embedding gives an input without grad, and a custom function
  // whose inputs need none would not be differentiated at all.
  if (recompute && !h.requires_grad()) h = h.detach().requires_grad_(true);
  for (std::int64_t i = 0; i < config_.num_hidden_layers; ++i)
    h = recompute && !cache ? CheckpointedBlock::apply(h, rope.cos, rope.sin, &rope.mask, this, i)
                            : block(i, h, rope, cache);
  if (cache) cache->length += t;
  return rms_norm(h, "model.norm.weight");
}

torch::Tensor CheckpointedBlock::forward(torch::autograd::AutogradContext* ctx, torch::Tensor h, torch::Tensor cos,
                                         torch::Tensor sin, const torch::Tensor* mask, CausalLm* model,
                                         std::int64_t layer) {
  ctx->saved_data["model"] = reinterpret_cast<std::int64_t>(model);
  ctx->saved_data["layer"] = layer;
  ctx->saved_data["autocast"] = autocast_enabled();
  if (model->lora_dropout() > 0) ctx->saved_data["rng"] = at::globalContext().defaultGenerator(h.device()).get_state();
  if (mask->defined()) ctx->saved_data["mask"] = *mask;
  ctx->save_for_backward({h, cos, sin});
  return model->block(layer, h, Rope{cos, sin, *mask});
}

torch::autograd::variable_list CheckpointedBlock::backward(torch::autograd::AutogradContext* ctx,
                                                           torch::autograd::variable_list grad) {
  auto* model = reinterpret_cast<CausalLm*>(ctx->saved_data["model"].toInt());
  const torch::autograd::variable_list saved = ctx->get_saved_variables();
  torch::Tensor h = saved[0].detach().requires_grad_(true);
  at::Generator generator = at::globalContext().defaultGenerator(h.device());
  const bool dropout = ctx->saved_data.count("rng") > 0;
  torch::Tensor now = dropout ? generator.get_state() : torch::Tensor();
  if (dropout) generator.set_state(ctx->saved_data["rng"].toTensor());
  torch::Tensor out;
  {
    torch::AutoGradMode enable(true);
    AutocastGuard autocast(ctx->saved_data["autocast"].toBool());
    const torch::Tensor mask = ctx->saved_data.count("mask") ? ctx->saved_data["mask"].toTensor() : torch::Tensor();
    out = model->block(ctx->saved_data["layer"].toInt(), h, Rope{saved[1], saved[2], mask});
  }
  if (dropout) generator.set_state(now);
  torch::autograd::backward({out}, {grad[0]});
  return {h.grad(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
}

}  // namespace

std::unique_ptr<Model> make_causal_lm(std::shared_ptr<const CausalLmBase> base, const CausalLmOptions& options) {
  const CausalLmConfig& c = base->config;
  if (options.seq_len > c.max_position_embeddings)
    throw InputError("model.seq_len " + std::to_string(options.seq_len) + " is longer than max_position_embeddings (" +
                     std::to_string(c.max_position_embeddings) + ") in " + c.file, "model.seq_len");
  if (c.sliding_window && options.seq_len > *c.sliding_window)
    throw InputError("model.seq_len " + std::to_string(options.seq_len) + " is longer than sliding_window (" +
                     std::to_string(*c.sliding_window) + ") in " + c.file +
                     "; trawl does not implement sliding-window attention", "model.seq_len");
  return std::make_unique<CausalLm>(std::move(base), options);
}

// Without LoRA, the whole model in <dir>/model (config.json and
// model.safetensors); with it, a PEFT adapter in <dir>/adapter
// (adapter_model.safetensors and adapter_config.json).
std::string CausalLm::save_final(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const CausalLmOptions& o = options_;
  const bool classifier = head_->num_labels() > 0;
  if (o.lora_rank == 0) {
    const std::string out = (dir / "model").string();
    write_hf_model(out, base_->config, ExportedConfig{"", head_->num_labels(), o.pad_token_id, head_->regression()},
                   named_parameters());
    return out;
  }
  const std::string out = (dir / "adapter").string();
  std::vector<std::string> modules;
  for (const auto& target : o.lora_targets) modules.push_back(target);
  write_peft_adapter(out,
                     LoraAdapterConfig{base_->dir, o.lora_rank, o.lora_alpha, o.lora_dropout, modules, classifier},
                     named_parameters());
  return out;
}

}  // namespace trawl
