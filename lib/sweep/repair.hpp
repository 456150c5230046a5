// lib/sweep: `trawl repair`: rebuilds a sweep's results file that is missing
// or damaged, from the sweep's copy of its sweep file (<dir>/sweep.toml) and
// the workers' journals (<dir>/journal/*.journal). The damaged file is kept
// beside it as results.h5.damaged-<time>.
#pragma once

#include <string>

namespace trawl {

struct RepairReport {
  std::string results;      // the rebuilt file
  std::string moved_aside;  // where the damaged one went ("" when it was missing)
  std::size_t records = 0, journals_torn = 0;
};

RepairReport repair_sweep(const std::string& dir);

}  // namespace trawl
