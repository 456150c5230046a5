// lib/train: checks, before anything runs, that every model the grid asks
// for can be built, loaded from its model.init weights and frozen as
// model.freeze says; `trawl validate` calls it so that a sweep whose trials
// would all fail on these is refused up front.
#pragma once

#include "grid/grid.hpp"
#include "spec/sweep_spec.hpp"
#include "train/data_check.hpp"

namespace trawl {

// Builds one model for each distinct combination of the model.* values that
// trials use (scanning at most `max_scanned` trials for them). Throws
// InputError at the key's file:line:col, naming the first trial that fails.
void check_models(const SweepSpec& spec, const Grid& grid, const DataShape& shape,
                  std::int64_t max_scanned = 100000);

}  // namespace trawl
