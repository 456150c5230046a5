#include "train/model_check.hpp"

#include <set>

#include "core/error.hpp"
#include "grid/trial_settings.hpp"
#include "train/causal_lm.hpp"
#include "train/model.hpp"
#include "train/weights.hpp"

namespace trawl {

namespace {

// The model.* values of a trial: trials with the same key build the same model.
std::string model_key(const Trial& trial) {
  std::string key;
  for (const auto& [name, value] : trial.params)
    if (name.rfind("model.", 0) == 0) key += name + "=" + to_string(value) + "\x1f";
  return key;
}

// A causal_lm is built on the meta device: names and shapes, no weights read.
void build_and_freeze(const SweepSpec& spec, const Trial& trial, const DataShape& shape, CausalLmBases& bases) {
  const TrialSettings settings = trial_settings(spec, trial);
  std::unique_ptr<Model> model = make_model(settings, shape, BuildContext{torch::Device(torch::kMeta), &bases});
  if (!settings.model.init.empty()) load_weights(*model, settings.model.init);
  if (apply_freeze(*model, settings.model.freeze).empty())
    throw InputError("model.freeze leaves no parameter to train", "model.freeze");
}

}  // namespace

void check_models(const SweepSpec& spec, const Grid& grid, const DataShape& shape, std::int64_t max_scanned) {
  std::set<std::string> seen;
  CausalLmBases bases;
  const std::int64_t scanned = std::min(grid.size(), max_scanned);
  for (TrialId id = 0; id < scanned; ++id) {
    const Trial trial = grid.trial(id);
    if (!seen.insert(model_key(trial)).second) continue;
    try {
      build_and_freeze(spec, trial, shape, bases);
    } catch (const InputError& e) {
      // The key the error came from, as the thrower named it; model.kind
      // for a model that cannot be built from its settings as a whole.
      const std::string key = e.key().empty() ? "model.kind" : e.key();
      const Axis* axis = spec.find_axis(key);
      const SourcePos& pos = axis                          ? axis->pos
                             : key == "model.freeze"       ? spec.freeze_pos
                             : key == "model.lora.targets" ? spec.lora_targets_pos
                                                           : spec.pos(key);
      Location where{pos.known() ? pos : spec.pos("model.kind"), key, e.where().tensor, id, Grid::label(trial)};
      throw InputError(e.what(), where);
    }
  }
}

}  // namespace trawl
