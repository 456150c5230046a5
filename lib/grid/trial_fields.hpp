// lib/grid: the binding of each scalar sweep key to the TrialSettings member
// that carries it to the trainer. trial_settings() fills a trial from this
// table, and the trainer's settings check reads the values back through it,
// so a new key is a row in lib/spec's table, a member and a row here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grid/trial_settings.hpp"
#include "spec/value.hpp"

namespace trawl {

struct SweepSpec;

struct TrialField {
  const char* key;  // "train.lr": a scalar key of lib/spec's table
  // Stores the key's value (a path resolved against the sweep file's folder).
  void (*set)(TrialSettings& trial, const Value& value, const SweepSpec& spec);
  // The member's value as a number, for the key's bounds; none for text.
  std::optional<double> (*number)(const TrialSettings& trial);
};

// Every bound key. Keys of the sweep.* and prune.* sections describe the
// sweep, not a trial, and lists are laid out by trial_settings() itself.
const std::vector<TrialField>& trial_fields();

}  // namespace trawl
