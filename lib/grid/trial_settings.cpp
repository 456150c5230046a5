#include "grid/trial_settings.hpp"

#include <algorithm>
#include <map>

#include "core/arith.hpp"
#include "grid/trial_fields.hpp"
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
  for (const TrialField& field : trial_fields()) field.set(t, s.get(field.key), spec);
  // The list keys and what derives from the sweep rather than one key.
  t.model.freeze = spec.freeze;
  t.model.lora_targets = spec.lora_targets.empty() ? default_lora_targets() : spec.lora_targets;
  t.train.seed = trial.seed;
  t.train.rungs = rung_steps(spec, t.train.steps);
  t.infer.batch_sizes = spec.infer_batch_sizes;
  t.metric = spec.string("sweep.metric");
  t.goal = goal_of_mode(spec.string("sweep.mode"));
  return t;
}

}  // namespace trawl
