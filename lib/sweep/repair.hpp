// lib/sweep: `trawl repair`: rebuilds a sweep's results file that is missing
// or damaged, from the sweep's copy of its sweep file (<dir>/sweep.toml) and
// the workers' journals (<dir>/journal/*.journal). A damaged file is kept
// beside it as results.h5.damaged-<time>; a readable one as
// results.h5.replaced-<time>, and every trial it holds further along than the
// journals (and every event they lack) is merged into the rebuilt file, so a
// damaged journal never costs what the file still held.
#pragma once

#include <string>

#include "store/result_store.hpp"

namespace trawl {

struct RepairReport {
  std::string results;       // the rebuilt file
  std::string moved_aside;   // where the old one went ("" when it was missing)
  bool old_was_readable = false;
  std::size_t records = 0;   // journal records replayed
  std::size_t journals_torn = 0, damaged_stretches = 0;
  std::size_t merged = 0;    // trials taken from the readable old file
};

RepairReport repair_sweep(const std::string& dir);

// `trawl repair --compact`: the readable results file of `where` (a sweep dir
// or the file) rewritten to its minimal size, nothing moved.
CompactReport compact_sweep(const std::string& where);

}  // namespace trawl
