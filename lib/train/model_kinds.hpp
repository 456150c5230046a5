// lib/train: how each model.kind is built, one ModelBuilder per kind,
// registered in model_kinds.cpp; nothing else in trawl compares model.kind.
// The sweep-file rules of a kind (what data it reads, whether it needs
// model.path) are lib/spec/kinds.cpp's row for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "grid/trial_settings.hpp"
#include "spec/sweep_spec.hpp"
#include "train/data_check.hpp"

namespace trawl {

class Model;         // train/model.hpp
struct BuildContext;  // train/model.hpp

class ModelBuilder {
 public:
  virtual ~ModelBuilder() = default;
  // Checks the kind's own files before anything runs (validate, and rank 0
  // before a run): throws InputError at the key that names a bad file.
  virtual void inspect(const SweepSpec&) const {}
  // Whether rank 0 builds each distinct model of the grid on the meta device
  // before a run (check_models): for checkpoints whose tensors may not fit
  // their config, so that they fail with exit 2 before anything trains.
  virtual bool checked_before_run() const { return false; }
  // The vocabulary the model's files give it (config.json's vocab_size);
  // 0 when its files do not fix one.
  virtual std::int64_t vocab_size(const SweepSpec&) const { return 0; }
  // The trial's model, on the CPU or, for a kind that builds in place, on
  // the context's device (make_model moves it there).
  virtual std::unique_ptr<Model> build(const TrialSettings& trial, const DataShape& shape,
                                       const BuildContext& build) const = 0;
};

// The builder of model.kind; an unknown kind is an Error (the schema allows
// only the registered ones).
const ModelBuilder& model_builder(const std::string& kind);

}  // namespace trawl
