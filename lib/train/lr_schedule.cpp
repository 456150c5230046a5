#include "train/lr_schedule.hpp"

#include <cmath>

namespace trawl {

double learning_rate(const TrainSettings& t, std::int64_t step) {
  const double lr = t.lr;
  const std::int64_t warmup = t.warmup_steps;
  if (step < warmup) return lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (t.schedule == "constant" || t.steps <= warmup) return lr;
  const double pi = std::acos(-1.0);
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(t.steps - warmup);
  const double m = t.min_lr_ratio;
  return lr * (m + (1 - m) * 0.5 * (1 + std::cos(pi * progress)));
}

}  // namespace trawl
