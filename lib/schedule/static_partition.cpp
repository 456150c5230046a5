#include "schedule/static_partition.hpp"

#include <string>

#include "core/error.hpp"

namespace trawl {

WorkerId WorkerId::of(std::int64_t array_index, std::int64_t array_count, std::int64_t group_index,
                      std::int64_t groups_per_task) {
  if (array_count < 1 || array_index < 0 || array_index >= array_count)
    throw InputError("array task " + std::to_string(array_index) + " is not in 0.." +
                     std::to_string(array_count - 1));
  if (groups_per_task < 1 || group_index < 0 || group_index >= groups_per_task)
    throw Error("rank group " + std::to_string(group_index) + " is not in 0.." +
                std::to_string(groups_per_task - 1));
  return WorkerId{array_index * groups_per_task + group_index, array_count * groups_per_task};
}

StaticPartition::StaticPartition(std::int64_t trials, WorkerId worker) : trials_(trials), worker_(worker) {}

std::int64_t StaticPartition::size() const {
  if (worker_.index >= trials_) return 0;
  return (trials_ - worker_.index + worker_.count - 1) / worker_.count;
}

}  // namespace trawl
