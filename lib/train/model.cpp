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

 private:
  Holder module_;
};

}  // namespace

std::unique_ptr<Model> make_model(const TrialSettings& t, const DataShape& shape, const BuildContext& build) {
  const ModelSettings& m = t.model;
  if (m.kind == "causal_lm") {
    auto base = build.bases ? build.bases->get(m.path, build.device) : load_causal_lm_base(m.path, build.device);
    return make_causal_lm(base, CausalLmOptions{m.seq_len, m.lora_rank, m.lora_alpha, m.lora_dropout, m.lora_targets,
                                                t.train.activation_checkpointing});
  }
  if (m.kind == "gpt") {
    if (m.d_model < 1 || m.heads < 1 || m.d_model % m.heads != 0)
      throw InputError("model.d_model (" + std::to_string(m.d_model) + ") must be a positive multiple of model.heads (" +
                       std::to_string(m.heads) + ")");
    if (m.seq_len < 1) throw InputError("model.seq_len must be at least 1");
    if (m.layers < 1) throw InputError("model.layers must be at least 1 for a gpt");
    return std::make_unique<ModuleModel<Gpt>>(Gpt(GptOptions{m.layers, m.d_model, m.heads, m.seq_len, m.dropout}));
  }
  if (m.kind == "torchscript") return load_script_model(m.path);
  if (m.hidden < 1) throw InputError("model.hidden must be at least 1");
  if (m.layers < 0) throw InputError("model.layers must not be negative");
  return std::make_unique<ModuleModel<Mlp>>(
      Mlp(shape.features, m.hidden, m.layers, shape.outputs, m.dropout, m.activation));
}

}  // namespace trawl
