// lib/store: what successive halving and patience did in a sweep, read from
// its results file: per rung, how many trials reached it, went on and were
// pruned; and the compute saved (steps run against the full grid's steps).
// `trawl status` and `trawl report` print it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/sweep_spec.hpp"
#include "store/result_store.hpp"

namespace trawl {

struct RungCounts {
  std::int64_t rung = 0, step = 0;
  std::int64_t reached = 0, promoted = 0, pruned = 0, waiting = 0;
};

struct PruneSummary {
  bool halving = false;
  std::int64_t reduction = 0;
  std::vector<RungCounts> rungs;
  std::int64_t steps_run = 0;   // every trial's steps so far
  std::int64_t steps_full = 0;  // what the full grid would run: every trial's train.steps
  std::int64_t stopped_early = 0;
};

// `recorded` is the sweep file the results file was made with.
PruneSummary summarize_pruning(const SweepSpec& recorded, const TrialTable& table);
// The same for a results file and its table, read with the sweep file it
// holds; empty for a file whose sweep file this trawl no longer reads.
PruneSummary summarize_pruning(const ResultStore& store, const TrialTable& table);
// Lines for status and report; "" when the sweep neither prunes nor stops early.
std::string prune_text(const PruneSummary& summary);

}  // namespace trawl
