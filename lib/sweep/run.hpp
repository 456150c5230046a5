// lib/sweep: `trawl run`: every rank of the job calls run_sweep, which makes
// a Worker (sweep/worker.hpp) and runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "comm/mpi.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

struct RunOptions {
  std::optional<std::int64_t> array_index, array_count;  // override Slurm's
  bool save_final = false;  // write <dir>/trials/<id>/final.pt (causal_lm: adapter/ or model/) for each done trial
  int threads = 0;          // 0: SLURM_CPUS_PER_TASK or cores / local ranks
  bool retry_failed = false;  // run failed and diverged trials again
  double deadline = 0;        // Unix time to be stopped by (0: SLURM_JOB_END_TIME, if set)
};

// Counted by each group's leader (other ranks report zeros).
struct RunSummary {
  using Field = std::int64_t;  // the ranks' summaries add member by member
  std::int64_t skipped = 0, done = 0, failed = 0, diverged = 0, interrupted = 0;
  std::int64_t paused = 0;  // times a trial was checkpointed at a rung (successive halving)
};

// Collective over `world`. Throws InputError (on every rank alike) for a bad
// sweep or data; a trial that fails is recorded and does not throw.
RunSummary run_sweep(const SweepSpec& spec, const RunOptions& options, const Communicator& world);

// Where --save-final puts a trial's weights.
std::string final_weights_path(const SweepSpec& spec, std::int64_t trial);

}  // namespace trawl
