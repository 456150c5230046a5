#include "train/data_check.hpp"

#include <filesystem>

#include "train/data_source.hpp"
#include "train/model_kinds.hpp"

namespace trawl {

namespace {

// Base weights must exist before anything runs: a sweep of fine-tunes whose
// base is missing would fail every trial.
void check_init_files(const SweepSpec& spec) {
  auto check = [&](const std::string& file, const SourcePos& pos) {
    if (!file.empty() && !std::filesystem::exists(spec.resolve_path(file)))
      throw input_error_at(pos, "model.init: no such file: " + spec.resolve_path(file));
  };
  check(spec.string("model.init"), spec.pos("model.init"));
  if (const Axis* axis = spec.find_axis("model.init"))
    for (const auto& value : axis->values) check(std::get<std::string>(value), axis->pos);
}

}  // namespace

CausalLmConfig model_config(const SweepSpec& spec) {
  try {
    return read_causal_lm_config(spec.resolve_path(spec.string("model.path")));
  } catch (const InputError& e) {
    throw e.at(spec.pos("model.path"));
  }
}

DataShape inspect_data(const SweepSpec& spec) {
  check_init_files(spec);
  model_builder(spec.string("model.kind")).inspect(spec);
  return data_source(spec.string("data.kind")).inspect(spec);
}

std::string describe_data(const SweepSpec& spec, const DataShape& shape) {
  return data_source(spec.string("data.kind")).summary(shape);
}

}  // namespace trawl
