// lib/train: what training a trial produces: eval points as it goes, and an
// outcome at the end. lib/store records both.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace trawl {

// The values of /trials/status (an HDF5 enum with these names, in order).
// `paused` (added last, so older files keep their values): checkpointed at a
// successive-halving rung, waiting for its cohort's decision.
enum class TrialStatus : std::int8_t { pending = 0, running, done, failed, diverged, pruned, paused };
const std::vector<std::string>& trial_status_names();
const std::string& to_string(TrialStatus status);
// The status of that name; std::invalid_argument for another name.
TrialStatus trial_status_named(const std::string& name);

struct EvalPoint {
  std::int64_t index = 0;  // column in /curves: the trial's 0-based eval point
  std::int64_t step = 0;   // optimizer steps taken
  std::map<std::string, double> metrics;
};

struct TrialOutcome {
  TrialStatus status = TrialStatus::done;
  std::int64_t steps = 0;
  double wall_seconds = 0;
  std::map<std::string, double> final_metrics;
  std::map<std::string, double> best_metrics;  // at best_step, by the sweep's metric
  std::int64_t best_step = -1;
  std::string message;  // why it diverged or failed
  bool interrupted = false;           // stopped early on request; resumable
  bool abandoned = false;             // given up: another worker holds it now
  bool paused = false;                // stopped at the rung it was asked to pause at; checkpointed
  bool stopped_early = false;         // done before train.steps: train.patience ran out
  std::int64_t trained_by = -1;       // the trial whose training made its weights; -1: unsaid
  std::int64_t checkpoints_written = 0;
  double checkpoint_seconds = 0;  // spent writing them
};

}  // namespace trawl
