#include "train/model.hpp"

#include "core/error.hpp"
#include "train/causal_lm.hpp"
#include "train/gpt.hpp"
#include "train/mlp.hpp"

namespace trawl {

namespace {

NamedTensors to_named(const torch::OrderedDict<std::string, torch::Tensor>& dict) {
  NamedTensors out;
  for (const auto& item : dict) out.emplace_back(item.key(), item.value());
  return out;
}

// A built-in model: a torch::nn::Module holder (Mlp, Gpt).
template <typename Holder>
class ModuleModel : public Model {
 public:
  explicit ModuleModel(Holder module) : module_(std::move(module)) {}
  torch::Tensor forward(const torch::Tensor& input) override { return module_->forward(input); }
  NamedTensors named_parameters() override { return to_named(module_->named_parameters()); }
  NamedTensors named_buffers() override { return to_named(module_->named_buffers()); }
  void train(bool on) override { module_->train(on); }
  void to(torch::Device device) override { module_->to(device); }

 protected:
  Holder& module() { return module_; }

 private:
  Holder module_;
};

// The GPT also reads token by token, with a cache.
class GptModel : public ModuleModel<Gpt> {
 public:
  using ModuleModel<Gpt>::ModuleModel;
  torch::Tensor forward_cached(const torch::Tensor& ids, KvCache& cache) override {
    return module()->forward(ids, &cache);
  }
};

}  // namespace

std::pair<torch::Tensor, torch::Tensor> KvCache::extend(std::size_t layer, const torch::Tensor& k,
                                                        const torch::Tensor& v) {
  if (keys.size() <= layer) {
    keys.resize(layer + 1);
    values.resize(layer + 1);
  }
  keys[layer] = keys[layer].defined() ? torch::cat({keys[layer], k}, 2) : k;
  values[layer] = values[layer].defined() ? torch::cat({values[layer], v}, 2) : v;
  return {keys[layer], values[layer]};
}

torch::Tensor token_positions(const torch::Tensor& ids, const KvCache* cache, std::int64_t seq_len,
                              torch::Dtype dtype) {
  const std::int64_t past = cache ? cache->length : 0, end = past + ids.size(1);
  if (end > seq_len)
    throw Error("a sequence of " + std::to_string(end) + " tokens exceeds model.seq_len " + std::to_string(seq_len));
  return torch::arange(past, end, torch::TensorOptions().dtype(dtype).device(ids.device()));
}

torch::Tensor future_positions(std::int64_t fresh, std::int64_t past, torch::Device device) {
  return torch::ones({fresh, past + fresh}, torch::TensorOptions().dtype(torch::kBool).device(device)).triu(past + 1);
}

torch::Tensor Model::forward_cached(const torch::Tensor&, KvCache&) {
  throw InputError("only a language model (model.kind = \"gpt\" or \"causal_lm\") reads token by token");
}

namespace {

std::unique_ptr<Model> build_model(const TrialSettings& t, const DataShape& shape, const BuildContext& build) {
  const ModelSettings& m = t.model;
  if (m.kind == "causal_lm") {
    auto base = build.bases ? build.bases->get(m.path, build.device) : load_causal_lm_base(m.path, build.device);
    return make_causal_lm(base, CausalLmOptions{m.seq_len, m.lora_rank, m.lora_alpha, m.lora_dropout, m.lora_targets,
                                                t.train.activation_checkpointing});
  }
  // Built-in models draw their initial weights on the CPU, so a seed gives the same weights everywhere.
  const torch::Device built_on = build.device.is_meta() ? build.device : torch::Device(torch::kCPU);
  if (m.kind == "gpt") {
    if (m.d_model < 1 || m.heads < 1 || m.d_model % m.heads != 0)
      throw InputError("model.d_model (" + std::to_string(m.d_model) + ") must be a positive multiple of model.heads (" +
                       std::to_string(m.heads) + ")");
    if (m.seq_len < 1) throw InputError("model.seq_len must be at least 1", "model.seq_len");
    if (m.layers < 1) throw InputError("model.layers must be at least 1 for a gpt");
    return std::make_unique<GptModel>(Gpt(GptOptions{m.layers, m.d_model, m.heads, m.seq_len, m.dropout, built_on}));
  }
  if (m.kind == "torchscript") return load_script_model(m.path);
  if (m.hidden < 1) throw InputError("model.hidden must be at least 1");
  if (m.layers < 0) throw InputError("model.layers must not be negative");
  return std::make_unique<ModuleModel<Mlp>>(
      Mlp(shape.features, m.hidden, m.layers, shape.outputs, m.dropout, m.activation, built_on));
}

}  // namespace

std::unique_ptr<Model> make_model(const TrialSettings& t, const DataShape& shape, const BuildContext& build) {
  std::unique_ptr<Model> model = build_model(t, shape, build);
  if (!build.device.is_meta()) model->to(build.device);
  return model;
}

}  // namespace trawl
