// lib/store (internal): growing a sweep's grid. When only axis values or
// seeds were added, every recorded trial is kept under its new id: rows,
// curves, events, journals and trial directories move.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <hdf5.h>

#include "grid/grid.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

// old id -> new id for every trial of `before`'s grid, by parameter identity;
// returns why not when the new grid lacks one of them ("" when it has all).
std::string growth_mapping(const SweepSpec& before, const Grid& now, std::vector<std::int64_t>& moved);

// Rebuilds the results file at `path` for `grid`, the old trial i as moved[i].
// Throws InputError when a trial is running (workers must be stopped first).
void grow_results(const std::string& path, const SweepSpec& spec, const Grid& grid,
                  const std::vector<std::string>& metrics, const std::string& hash,
                  const std::vector<std::int64_t>& moved);

// Copies trial i's row and curves of file `from` to row moved[i] of file `to`
// (moved[i] < 0: row left as `to` has it), for every /trials column and
// /curves table; `to` has `rows` trials.
void copy_trial_rows(hid_t from, hid_t to, const std::vector<std::string>& metrics,
                     const std::vector<std::int64_t>& moved, std::int64_t rows);
// Appends every event of `from` to `to`, each trial id i as moved[i].
void copy_events(hid_t from, hid_t to, const std::vector<std::int64_t>& moved);

}  // namespace trawl
