#include "train/early_stopping.hpp"

#include <algorithm>
#include <cmath>

namespace trawl {

void count_patience(const TrialSettings& trial, double value, std::int64_t& wait, double& best) {
  if (trial.train.patience <= 0) return;
  const double delta = trial.train.min_delta;
  const bool improved = std::isfinite(value) && better(value, best, trial.goal, delta);
  if (improved) {
    best = value;
    wait = 0;
  } else {
    ++wait;
  }
}

bool patience_ran_out(const TrialSettings& trial, std::int64_t wait) {
  return trial.train.patience > 0 && wait >= trial.train.patience;
}

bool is_rung(const TrialSettings& trial, std::int64_t step) {
  const auto& rungs = trial.train.rungs;
  return std::find(rungs.begin(), rungs.end(), step) != rungs.end();
}

}  // namespace trawl
