#include "catch_support.hpp"

#include <cstdlib>

#include "core/error.hpp"
#include "slurm/environment.hpp"

namespace {
struct ScopedEnv {
  std::string name;
  ScopedEnv(const char* n, const char* value) : name(n) { setenv(n, value, 1); }
  ~ScopedEnv() { unsetenv(name.c_str()); }
};
}  // namespace

TEST_CASE("outside Slurm the array is one task unless flags say otherwise", "[slurm]") {
  trawl::ArrayTask task = trawl::array_task(std::nullopt, std::nullopt);
  CHECK(task.index == 0);
  CHECK(task.count == 1);
  task = trawl::array_task(2, 4);
  CHECK(task.index == 2);
  CHECK(task.count == 4);
  CHECK_THROWS_AS(trawl::array_task(4, 4), trawl::InputError);
  CHECK_THROWS_AS(trawl::array_task(0, 0), trawl::InputError);
}

TEST_CASE("inside a Slurm array the index counts from the array's minimum and step", "[slurm]") {
  ScopedEnv id("SLURM_ARRAY_TASK_ID", "14"), min("SLURM_ARRAY_TASK_MIN", "10"),
      step("SLURM_ARRAY_TASK_STEP", "2"), count("SLURM_ARRAY_TASK_COUNT", "4");
  trawl::ArrayTask task = trawl::array_task(std::nullopt, std::nullopt);
  CHECK(task.index == 2);
  CHECK(task.count == 4);
}

TEST_CASE("a malformed Slurm variable is a clear error", "[slurm]") {
  ScopedEnv id("SLURM_ARRAY_TASK_ID", "x1");
  CHECK_THROWS_WITH(trawl::array_task(std::nullopt, std::nullopt),
                    trawl::test::Contains("SLURM_ARRAY_TASK_ID='x1' is not an integer"));
}

TEST_CASE("SLURM_CPUS_PER_TASK sets a rank's threads", "[slurm]") {
  ScopedEnv cpus("SLURM_CPUS_PER_TASK", "3");
  CHECK(trawl::threads_per_rank(8) == 3);
}
