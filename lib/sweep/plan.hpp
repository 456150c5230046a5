// lib/sweep: `trawl plan`: the grid, its axes and how it splits over workers.
#pragma once

#include <cstdint>
#include <string>

#include "grid/grid.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

struct PlanOptions {
  std::int64_t array_count = 1;  // Slurm array tasks
  std::int64_t ranks = 1;        // MPI ranks per array task
};

std::string plan_report(const SweepSpec& spec, const Grid& grid, const PlanOptions& options);

}  // namespace trawl
