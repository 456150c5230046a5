// lib/train: when a trial stops before train.steps: train.patience (Keras's
// EarlyStopping rule) and successive halving's rungs (docs/pruning.md).
#pragma once

#include <cstdint>
#include <vector>

#include "grid/trial_settings.hpp"

namespace trawl {

// Counts one eval point's value of the sweep's metric. An improvement is
// better than the last improvement (`best`) by more than min_delta; the
// first finite value always is one, a NaN never is. `wait` counts the eval
// points since the last improvement. Does nothing with patience off.
void count_patience(const TrialSettings& trial, double value, std::int64_t& wait, double& best);
bool patience_ran_out(const TrialSettings& trial, std::int64_t wait);

bool is_rung(const TrialSettings& trial, std::int64_t step);

}  // namespace trawl
