// lib/train: the learning rate at each step (docs/sweep-file.md gives the
// formula). Step s is 0-based: the rate used for the (s+1)-th update.
#pragma once

#include <cstdint>

#include "grid/trial_settings.hpp"

namespace trawl {

// Linear warmup lr·(s+1)/W for s < W; then for "cosine"
// lr·(m + (1−m)·½(1+cos(π(s−W)/(S−W)))) with m = min_lr_ratio, or lr for "constant".
double learning_rate(const TrainSettings& train, std::int64_t step);

}  // namespace trawl
