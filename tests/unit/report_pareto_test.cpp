#include "catch_support.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "report/pareto.hpp"

namespace {

// Whether trial a dominates trial b: at least as good in both, better in one.
bool dominates(const trawl::Objective& x, const trawl::Objective& y, std::size_t a, std::size_t b) {
  const double xa = x.oriented((*x.values)[a]), xb = x.oriented((*x.values)[b]);
  const double ya = y.oriented((*y.values)[a]), yb = y.oriented((*y.values)[b]);
  return xa >= xb && ya >= yb && (xa > xb || ya > yb);
}

}  // namespace

TEST_CASE("the Pareto front is every trial no other dominates, by the first objective best first", "[report]") {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> coarse(0, 6);  // coarse values: many ties
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + static_cast<std::size_t>(round % 25);
    std::vector<double> latency(n), accuracy(n);
    for (std::size_t i = 0; i < n; ++i) {
      latency[i] = coarse(random);
      accuracy[i] = coarse(random) == 0 ? std::nan("") : coarse(random);
    }
    const bool lower = round % 2 == 0, higher = round % 3 != 0;
    const trawl::Goal lo = trawl::Goal::minimize, hi = trawl::Goal::maximize;
    const trawl::Objective x{&latency, lower ? lo : hi}, y{&accuracy, higher ? hi : lo};
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < n; i += 1 + static_cast<std::size_t>(round % 2)) candidates.push_back(i);
    const std::vector<std::size_t> front = trawl::pareto_front(candidates, x, y);
    std::vector<std::size_t> expected;  // brute force, O(n^2)
    for (const std::size_t b : candidates) {
      if (std::isnan(latency[b]) || std::isnan(accuracy[b])) continue;
      bool beaten = false;
      for (const std::size_t a : candidates)
        beaten = beaten || (!std::isnan(accuracy[a]) && dominates(x, y, a, b));
      if (!beaten) expected.push_back(b);
    }
    std::vector<std::size_t> sorted_front = front;
    std::sort(sorted_front.begin(), sorted_front.end());
    REQUIRE(sorted_front == expected);
    for (std::size_t k = 1; k < front.size(); ++k) CHECK(x.oriented(latency[front[k - 1]]) >= x.oriented(latency[front[k]]));
  }
}

TEST_CASE("trials tied in both objectives are all on the front", "[report]") {
  const std::vector<double> latency{3, 3, 5, 1}, accuracy{0.9, 0.9, 0.95, 0.5};
  const trawl::Objective x{&latency, trawl::Goal::minimize}, y{&accuracy, trawl::Goal::maximize};
  CHECK(trawl::pareto_front({0, 1, 2, 3}, x, y) == std::vector<std::size_t>{3, 0, 1, 2});
  CHECK(trawl::pareto_front({}, x, y).empty());
}
