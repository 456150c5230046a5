#include "catch_support.hpp"

#include <vector>

#include "core/error.hpp"
#include "schedule/static_partition.hpp"

TEST_CASE("every trial runs exactly once for any worker counts", "[schedule]") {
  for (std::int64_t trials : {0, 1, 2, 7, 64, 97, 1000}) {
    for (std::int64_t tasks : {1, 2, 3, 5, 16}) {
      for (std::int64_t groups : {1, 2, 4, 7}) {
        std::vector<int> runs(static_cast<std::size_t>(trials), 0);
        std::int64_t most = 0, least = trials + 1;
        for (std::int64_t task = 0; task < tasks; ++task) {
          for (std::int64_t group = 0; group < groups; ++group) {
            trawl::StaticPartition mine(trials, trawl::WorkerId::of(task, tasks, group, groups));
            for (std::int64_t k = 0; k < mine.size(); ++k) {
              REQUIRE(mine[k] >= 0);
              REQUIRE(mine[k] < trials);
              ++runs[static_cast<std::size_t>(mine[k])];
            }
            most = std::max(most, mine.size());
            least = std::min(least, mine.size());
          }
        }
        INFO("trials " << trials << " tasks " << tasks << " groups " << groups);
        for (int r : runs) CHECK(r == 1);
        CHECK(most - least <= 1);  // balanced
      }
    }
  }
}

TEST_CASE("workers beyond the trial count get nothing", "[schedule]") {
  trawl::StaticPartition mine(3, trawl::WorkerId::of(4, 8, 0, 1));
  CHECK(mine.size() == 0);
}

TEST_CASE("worker ids reject positions outside the job", "[schedule]") {
  CHECK_THROWS_AS(trawl::WorkerId::of(2, 2, 0, 1), trawl::InputError);
  CHECK_THROWS_AS(trawl::WorkerId::of(-1, 2, 0, 1), trawl::InputError);
  CHECK_THROWS(trawl::WorkerId::of(0, 2, 3, 3));
}
