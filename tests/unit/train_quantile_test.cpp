#include "catch_support.hpp"

#include <cmath>
#include <vector>

#include "train/quantile.hpp"

TEST_CASE("quantiles interpolate between order statistics as numpy's default does", "[train]") {
  const std::vector<double> times{5, 1, 4, 2, 3, 10};
  CHECK(trawl::quantile(times, 0.5) == Approx(3.5));      // numpy.quantile(times, 0.5)
  CHECK(trawl::quantile(times, 0.99) == Approx(9.75));    // numpy.quantile(times, 0.99)
  CHECK(trawl::quantile(times, 0.0) == 1);
  CHECK(trawl::quantile(times, 1.0) == 10);
  CHECK(trawl::quantile({7}, 0.99) == 7);
  CHECK(std::isnan(trawl::quantile({}, 0.5)));
}
