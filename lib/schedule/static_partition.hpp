// lib/schedule: the static schedule. Worker w of W runs trials w, w+W, w+2W...
// so every trial runs exactly once for any W, and workers beyond the number
// of trials run none (schedule.hpp takes each under the results file's lock).
#pragma once

#include <cstdint>

#include "grid/grid.hpp"

namespace trawl {

// A worker is one rank group in one array task:
// index = array_index * groups_per_task + group_index.
struct WorkerId {
  std::int64_t index = 0;
  std::int64_t count = 1;

  static WorkerId of(std::int64_t array_index, std::int64_t array_count, std::int64_t group_index,
                     std::int64_t groups_per_task);
};

class StaticPartition {
 public:
  StaticPartition(std::int64_t trials, WorkerId worker);

  std::int64_t size() const;  // how many trials this worker runs
  TrialId operator[](std::int64_t k) const { return worker_.index + k * worker_.count; }

 private:
  std::int64_t trials_;
  WorkerId worker_;
};

}  // namespace trawl
