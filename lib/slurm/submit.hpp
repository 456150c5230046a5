// lib/slurm: `trawl submit`: a sweep file to a running job array in one step.
// It writes the job script into the sweep dir (every value shell-quoted),
// splits the array where the cluster's MaxArraySize caps the largest index
// (each part gets TRAWL_ARRAY_OFFSET), and calls sbatch with an argument
// vector, never through a shell.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

struct SubmitOptions {
  std::int64_t array_count = 0;  // 0: one task per trial, at most 64
  std::int64_t throttle = 0;     // %N: array tasks running at once (0: no limit)
  std::int64_t ranks = 0;        // MPI ranks per array task (0: sweep.ranks_per_trial)
  std::int64_t nodes = 1;         // nodes per array task, the ranks spread evenly over them
  std::int64_t cpus_per_rank = 1;
  std::int64_t gpus_per_rank = 0;  // >0: one GPU per rank (--gpus-per-task)
  std::int64_t grace_seconds = 120;  // --signal=B:USR2@grace
  std::string trawl_binary;          // the trawl the job runs (absolute)
  std::vector<std::string> sbatch_options;  // passed on to every sbatch call
  bool dry_run = false;
  std::int64_t max_array_size = 0;  // 0: read `scontrol show config`
};

struct SubmitPlan {
  std::string script_path;
  std::string script;
  std::vector<std::vector<std::string>> sbatch_commands;  // argv of each sbatch call
  std::vector<std::string> job_ids;                       // after submitting
};

// Plans the submission and, unless options.dry_run, writes the script and submits.
SubmitPlan submit_sweep(const SweepSpec& spec, const Grid& grid, const SubmitOptions& options);

// 'text' quoted for a POSIX shell: safe for spaces, quotes, $(...) and all.
std::string shell_quote(const std::string& text);
// MaxArraySize from `scontrol show config`; throws Error when scontrol fails.
std::int64_t cluster_max_array_size();

}  // namespace trawl
