// lib/spec: what changed between two sweep files, in terms a user reads:
// "train.steps: 5 -> 6", "grid axis train.lr: 0.1, 0.01 -> 0.1, 0.3".
// Only what the spec hash covers counts (spec_hash.hpp).
#pragma once

#include <string>
#include <vector>

#include "spec/sweep_spec.hpp"

namespace trawl {

std::vector<std::string> spec_differences(const SweepSpec& before, const SweepSpec& now);

}  // namespace trawl
