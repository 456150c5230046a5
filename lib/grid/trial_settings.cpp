#include "grid/trial_settings.hpp"

#include <algorithm>
#include <map>

#include "core/arith.hpp"
#include "spec/schema.hpp"

namespace trawl {

namespace {

// The sweep's settings with one trial's grid values laid over them.
class Layered {
 public:
  Layered(const SweepSpec& spec, const Trial& trial) : spec_(spec) {
    for (const auto& [key, value] : trial.params) overrides_[key] = value;
  }
  const Value& get(const std::string& key) const {
    auto it = overrides_.find(key);
    return it != overrides_.end() ? it->second : spec_.value(key);
  }
  const std::string& text(const std::string& key) const { return std::get<std::string>(get(key)); }
  std::int64_t integer(const std::string& key) const { return std::get<std::int64_t>(get(key)); }
  double real(const std::string& key) const { return std::get<double>(get(key)); }
  bool boolean(const std::string& key) const { return std::get<bool>(get(key)); }

 private:
  const SweepSpec& spec_;
  std::map<std::string, Value> overrides_;
};

}  // namespace

const std::vector<std::string>& default_lora_targets() {
  static const std::vector<std::string> all{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  return all;
}

std::int64_t rung_step(std::int64_t min_steps, std::int64_t reduction, std::int64_t rung) {
  std::int64_t step = min_steps;
  for (std::int64_t k = 0; k < rung; ++k) step = saturating_mul(step, reduction);
  return step;
}

std::vector<std::int64_t> rung_steps(const SweepSpec& spec, std::int64_t steps) {
  std::vector<std::int64_t> rungs;
  if (spec.string("prune.rule") != "halving") return rungs;
  const std::int64_t min_steps = spec.integer("prune.min_steps"), reduction = spec.integer("prune.reduction");
  for (std::int64_t k = 0;; ++k) {
    const std::int64_t at = rung_step(min_steps, reduction, k);
    if (at <= 0 || at >= steps) break;
    rungs.push_back(at);
    if (at > steps / reduction) break;  // the next would pass steps (and might overflow)
  }
  return rungs;
}

std::string training_identity(const Trial& trial) {
  Trial trained = trial;
  auto& params = trained.params;
  params.erase(std::remove_if(params.begin(), params.end(), [](const auto& p) { return evaluation_only(p.first); }),
               params.end());
  return Grid::identity(trained);
}

TrialSettings trial_settings(const SweepSpec& spec, const Trial& trial) {
  Layered s(spec, trial);
  TrialSettings t;
  t.id = trial.id;
  t.model.kind = s.text("model.kind");
  t.model.hidden = s.integer("model.hidden");
  t.model.layers = s.integer("model.layers");
  t.model.dropout = s.real("model.dropout");
  t.model.activation = s.text("model.activation");
  t.model.init = spec.resolve_path(s.text("model.init"));
  t.model.freeze = spec.freeze;
  t.model.d_model = s.integer("model.d_model");
  t.model.heads = s.integer("model.heads");
  t.model.seq_len = s.integer("model.seq_len");
  t.model.path = spec.resolve_path(s.text("model.path"));
  t.model.lora_rank = s.integer("model.lora.rank");
  t.model.lora_alpha = s.real("model.lora.alpha");
  t.model.lora_dropout = s.real("model.lora.dropout");
  t.model.lora_targets = spec.lora_targets.empty() ? default_lora_targets() : spec.lora_targets;

  t.data.kind = s.text("data.kind");
  t.data.path = spec.resolve_path(s.text("data.path"));
  t.data.train_x = s.text("data.train_x");
  t.data.train_y = s.text("data.train_y");
  t.data.val_x = s.text("data.val_x");
  t.data.val_y = s.text("data.val_y");
  t.data.train_file = spec.resolve_path(s.text("data.train_file"));
  t.data.val_file = spec.resolve_path(s.text("data.val_file"));
  t.data.task = s.text("data.task");
  t.data.shuffle = s.boolean("data.shuffle");

  auto& tr = t.train;
  tr.steps = s.integer("train.steps");
  tr.batch_size = s.integer("train.batch_size");
  tr.warmup_steps = s.integer("train.warmup_steps");
  tr.eval_every = s.integer("train.eval_every");
  tr.eval_batch_size = s.integer("train.eval_batch_size");
  tr.lr = s.real("train.lr");
  tr.momentum = s.real("train.momentum");
  tr.beta1 = s.real("train.beta1");
  tr.beta2 = s.real("train.beta2");
  tr.eps = s.real("train.eps");
  tr.weight_decay = s.real("train.weight_decay");
  tr.min_lr_ratio = s.real("train.min_lr_ratio");
  tr.grad_clip = s.real("train.grad_clip");
  tr.optimizer = s.text("train.optimizer");
  tr.schedule = s.text("train.schedule");
  tr.seed = trial.seed;
  tr.grad_accum = s.integer("train.grad_accum");
  tr.label_smoothing = s.real("train.label_smoothing");
  tr.bucket_mb = s.real("train.bucket_mb");
  tr.device = s.text("train.device");
  tr.precision = s.text("train.precision");
  tr.threads = s.integer("train.threads");
  tr.eval_at_start = s.boolean("train.eval_at_start");
  tr.activation_checkpointing = s.boolean("train.activation_checkpointing");
  tr.patience = s.integer("train.patience");
  tr.min_delta = s.real("train.min_delta");
  tr.rungs = rung_steps(spec, tr.steps);

  t.infer.batch_sizes = spec.infer_batch_sizes;
  t.infer.batch_size = s.integer("infer.batch_size");
  t.infer.warmup = s.integer("infer.warmup");
  t.infer.iterations = s.integer("infer.iterations");
  t.infer.max_new_tokens = s.integer("infer.max_new_tokens");
  t.infer.temperature = s.real("infer.temperature");
  t.infer.top_k = s.integer("infer.top_k");
  t.infer.top_p = s.real("infer.top_p");
  t.infer.seed = s.integer("infer.seed");

  t.metric = spec.string("sweep.metric");
  t.goal = goal_of_mode(spec.string("sweep.mode"));
  return t;
}

}  // namespace trawl
