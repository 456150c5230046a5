#include "report/pareto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace trawl {

std::vector<std::size_t> pareto_front(std::vector<std::size_t> candidates, const Objective& first,
                                      const Objective& second) {
  const auto x = [&](std::size_t i) { return first.oriented((*first.values)[i]); };
  const auto y = [&](std::size_t i) { return second.oriented((*second.values)[i]); };
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [&](std::size_t i) { return std::isnan(x(i)) || std::isnan(y(i)); }),
                   candidates.end());
  std::sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
    if (x(a) != x(b)) return x(a) > x(b);
    if (y(a) != y(b)) return y(a) > y(b);
    return a < b;
  });
  // Walking from the best `first` down, a trial is on the front when its
  // `second` beats every trial with a strictly better `first`; among equal
  // `first` values only those with the group's best `second` can be.
  std::vector<std::size_t> front;
  double best_before = -std::numeric_limits<double>::infinity();
  for (std::size_t g = 0; g < candidates.size();) {
    std::size_t end = g;
    while (end < candidates.size() && x(candidates[end]) == x(candidates[g])) ++end;
    const double top = y(candidates[g]);
    if (top > best_before)
      for (std::size_t k = g; k < end && y(candidates[k]) == top; ++k) front.push_back(candidates[k]);
    best_before = std::max(best_before, top);
    g = end;
  }
  return front;
}

}  // namespace trawl
