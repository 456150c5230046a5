// lib/slurm: facts about the job this process runs in, read from Slurm's
// environment variables (or flags, for runs outside Slurm).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace trawl {

struct ArrayTask {
  std::int64_t index = 0;  // 0-based position within the array
  std::int64_t count = 1;
};

// Flags win over the environment. Inside a Slurm array the index is
// TRAWL_ARRAY_OFFSET + (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
// (`trawl submit` splits arrays longer than the cluster's MaxArraySize into
// several, each with its offset).
ArrayTask array_task(std::optional<std::int64_t> index_flag, std::optional<std::int64_t> count_flag);

// "<array job>_<task>" inside an array, the job id in a plain job, else "";
// with " restart <n>" after a requeue (SLURM_RESTART_COUNT).
std::string slurm_job_label();

// Intra-op threads for one rank: SLURM_CPUS_PER_TASK inside Slurm, else the
// cores this process may use divided by the ranks on this node (at least 1).
int threads_per_rank(int local_ranks);

}  // namespace trawl
