// lib/train: quantiles of measured times.
#pragma once

#include <vector>

namespace trawl {

// The q-quantile (q in [0, 1]) of `values`, linear between the order
// statistics at (n-1)·q (numpy's default); NaN when there are none.
double quantile(std::vector<double> values, double q);

}  // namespace trawl
