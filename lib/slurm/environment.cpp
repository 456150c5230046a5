#include "slurm/environment.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "core/env.hpp"
#include "core/error.hpp"

namespace trawl {

ArrayTask array_task(std::optional<std::int64_t> index_flag, std::optional<std::int64_t> count_flag) {
  ArrayTask task;
  auto id = env_integer("SLURM_ARRAY_TASK_ID");
  if (id) {
    std::int64_t min = env_integer("SLURM_ARRAY_TASK_MIN").value_or(0);
    std::int64_t step = env_integer("SLURM_ARRAY_TASK_STEP").value_or(1);
    if (step < 1) step = 1;
    const std::int64_t offset = env_integer("TRAWL_ARRAY_OFFSET").value_or(0);
    task.index = offset + (*id - min) / step;
    task.count = env_integer("SLURM_ARRAY_TASK_COUNT").value_or(task.index + 1);
  }
  if (index_flag) task.index = *index_flag;
  if (count_flag) task.count = *count_flag;
  if (task.count < 1) throw InputError("the array count must be at least 1, not " + std::to_string(task.count));
  if (task.index < 0 || task.index >= task.count)
    throw InputError("array index " + std::to_string(task.index) + " is not in 0.." +
                     std::to_string(task.count - 1));
  return task;
}

std::string slurm_job_label() {
  const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* array_task = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* job = std::getenv("SLURM_JOB_ID");
  std::string label = array_job && array_task ? std::string(array_job) + "_" + array_task : job ? job : "";
  const auto restarts = env_integer("SLURM_RESTART_COUNT").value_or(0);
  if (!label.empty() && restarts > 0) label += " restart " + std::to_string(restarts);
  return label;
}

int threads_per_rank(int local_ranks) {
  if (auto cpus = env_integer("SLURM_CPUS_PER_TASK"); cpus && *cpus > 0) return static_cast<int>(*cpus);
  int machine = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  cpu_set_t set;
  // A launcher that binds each rank to its cores has already divided them.
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 && CPU_COUNT(&set) < machine)
    return CPU_COUNT(&set);
  return std::max(1, machine / std::max(1, local_ranks));
}

}  // namespace trawl
