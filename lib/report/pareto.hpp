// lib/report: the Pareto front of two metrics over a set of trials.
#pragma once

#include <cstddef>
#include <vector>

#include "spec/metrics.hpp"

namespace trawl {

// One metric of every trial, and which way is better.
struct Objective {
  const std::vector<double>* values;
  Goal goal;
  // The value turned so that larger is better (the front is computed on it).
  double oriented(double v) const { return goal == Goal::maximize ? v : -v; }
};

// The trials of `candidates` that no other candidate dominates (at least as
// good in both objectives and better in one), ordered by `first` best first
// (then by `second`, then by trial id). Trials with a NaN in either are left
// out. O(n log n).
std::vector<std::size_t> pareto_front(std::vector<std::size_t> candidates, const Objective& first,
                                      const Objective& second);

}  // namespace trawl
