#include "train/model_kinds.hpp"

#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "train/causal_lm.hpp"
#include "train/data_source.hpp"
#include "train/gpt.hpp"
#include "train/mlp.hpp"
#include "train/model.hpp"

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

// Built-in models draw their initial weights on the CPU, so a seed gives the
// same weights everywhere (the meta device: shapes only).
torch::Device built_on(const BuildContext& build) {
  return build.device.is_meta() ? build.device : torch::Device(torch::kCPU);
}

class MlpBuilder : public ModelBuilder {
 public:
  std::unique_ptr<Model> build(const TrialSettings& t, const DataShape& shape, const BuildContext& b) const override {
    const ModelSettings& m = t.model;
    if (m.hidden < 1) throw InputError("model.hidden must be at least 1", "model.hidden");
    if (m.layers < 0) throw InputError("model.layers must not be negative", "model.layers");
    return std::make_unique<ModuleModel<Mlp>>(
        Mlp(shape.features, m.hidden, m.layers, shape.outputs, m.dropout, m.activation, built_on(b)));
  }
};

class GptBuilder : public ModelBuilder {
 public:
  std::unique_ptr<Model> build(const TrialSettings& t, const DataShape&, const BuildContext& b) const override {
    const ModelSettings& m = t.model;
    if (m.d_model < 1 || m.heads < 1 || m.d_model % m.heads != 0)
      throw InputError("model.d_model (" + std::to_string(m.d_model) + ") must be a positive multiple of model.heads (" +
                       std::to_string(m.heads) + ")");
    if (m.seq_len < 1) throw InputError("model.seq_len must be at least 1", "model.seq_len");
    if (m.layers < 1) throw InputError("model.layers must be at least 1 for a gpt", "model.layers");
    return std::make_unique<GptModel>(Gpt(GptOptions{m.layers, m.d_model, m.heads, m.seq_len, m.dropout, built_on(b)}));
  }
};

class TorchScriptBuilder : public ModelBuilder {
 public:
  void inspect(const SweepSpec& spec) const override {
    const std::string module = spec.resolve_path(spec.string("model.path"));
    if (!std::filesystem::exists(module))
      throw input_error_at(spec.pos("model.path"), "model.path: no such file: " + module);
  }
  std::unique_ptr<Model> build(const TrialSettings& t, const DataShape&, const BuildContext&) const override {
    return load_script_model(t.model.path);
  }
};

// Built in place on its base weights, which the context's bases share
// between the trials of a process.
class CausalLmBuilder : public ModelBuilder {
 public:
  bool checked_before_run() const override { return true; }
  std::int64_t vocab_size(const SweepSpec& spec) const override { return model_config(spec).vocab_size; }
  std::unique_ptr<Model> build(const TrialSettings& t, const DataShape& shape, const BuildContext& b) const override {
    const ModelSettings& m = t.model;
    auto base = b.bases ? b.bases->get(m.path, b.device) : load_causal_lm_base(m.path, b.device);
    return make_causal_lm(base, CausalLmOptions{m.seq_len, m.lora_rank, m.lora_alpha, m.lora_dropout, m.lora_targets,
                                                t.train.activation_checkpointing, t.data.task, shape.outputs,
                                                shape.pad_id});
  }
};

}  // namespace

const ModelBuilder& model_builder(const std::string& kind) {
  static const MlpBuilder mlp;
  static const GptBuilder gpt;
  static const TorchScriptBuilder torchscript;
  static const CausalLmBuilder causal_lm;
  static const std::map<std::string, const ModelBuilder*> builders{
      {"mlp", &mlp}, {"gpt", &gpt}, {"torchscript", &torchscript}, {"causal_lm", &causal_lm}};
  const auto found = builders.find(kind);
  if (found == builders.end()) throw Error("no model kind '" + kind + "' is registered (lib/train/model_kinds.cpp)");
  return *found->second;
}

}  // namespace trawl
