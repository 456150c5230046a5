// lib/train: the values one trial was given, checked before it trains (a grid
// may hold combinations that cannot work; the trial is then recorded failed).
#pragma once

#include <cstdint>

#include "grid/trial_settings.hpp"

namespace trawl {

// Throws InputError naming the key when a value cannot work with `examples`
// training examples split over `ranks` ranks.
void check_settings(const TrialSettings& trial, std::int64_t examples, int ranks);

}  // namespace trawl
