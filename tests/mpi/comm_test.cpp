#include "catch_support.hpp"

#include <algorithm>
#include <numeric>

#include "comm/all_reduce.hpp"
#include "comm/mpi.hpp"
#include "comm/rank_groups.hpp"
#include "core/stop_level.hpp"

namespace {

const trawl::Communicator& world() {
  static trawl::Communicator w = trawl::Communicator::world();
  return w;
}

}  // namespace

TEST_CASE("collectives over the world agree on every rank", "[comm]") {
  const auto& w = world();
  REQUIRE(w.size() >= 2);
  int value = w.rank() == 0 ? 42 : -1;
  w.broadcast(&value, 1, MPI_INT, 0);
  CHECK(value == 42);
  CHECK(w.sum(w.rank() + 1) == static_cast<std::int64_t>(w.size()) * (w.size() + 1) / 2);
  CHECK(w.exclusive_prefix_sum(10) == 10 * w.rank());
  const std::vector<std::int64_t> gathered = w.all_gather(std::vector<std::int64_t>(w.rank() + 1, w.rank()));
  CHECK(gathered.size() == static_cast<std::size_t>(w.size() * (w.size() + 1) / 2));
  CHECK(gathered.front() == 0);
  CHECK(gathered.back() == w.size() - 1);
}

namespace {

struct Counts {
  using Field = std::int64_t;
  std::int64_t done = 0, failed = 0, interrupted = 0;
};

struct Mixed {
  std::int64_t trial;
  double wait;
  bool flag;
};

}  // namespace

TEST_CASE("typed collectives carry structs and enums as themselves", "[comm]") {
  const auto& w = world();
  Mixed mixed = w.rank() == 0 ? Mixed{7, 2.5, true} : Mixed{-1, 0, false};
  w.broadcast(mixed, 0);
  CHECK(mixed.trial == 7);
  CHECK(mixed.wait == 2.5);
  CHECK(mixed.flag);
  const Counts sum = w.all_reduce(Counts{1, w.rank(), w.rank() == 1 ? 5 : 0}, MPI_SUM);
  CHECK(sum.done == w.size());
  CHECK(sum.failed == static_cast<std::int64_t>(w.size()) * (w.size() - 1) / 2);
  CHECK(sum.interrupted == 5);
  // The most urgent stop any rank holds is the group's.
  const trawl::StopLevel mine = w.rank() == 1 ? trawl::StopLevel::abandon : trawl::StopLevel::graceful;
  CHECK(w.all_reduce(mine, MPI_MAX) == trawl::StopLevel::abandon);
  CHECK(w.all_reduce(w.rank() == 0 ? 1.5 : -3.0, MPI_MIN) == -3.0);
}

TEST_CASE("MPI gives the thread level trawl asked for", "[comm]") {
  int provided = 0;
  MPI_Query_thread(&provided);
  CHECK(provided >= MPI_THREAD_FUNNELED);
}

TEST_CASE("a failed MPI call is an MpiError naming the call", "[comm]") {
  int value = 0;
  CHECK_THROWS_WITH(world().broadcast(&value, 1, MPI_INT, world().size() + 5), trawl::test::Contains("MPI_Bcast"));
}

TEST_CASE("rank groups split the world into groups of ranks_per_trial on one node", "[comm]") {
  const auto& w = world();
  trawl::RankGroups pairs = trawl::make_rank_groups(w, 2);
  CHECK(pairs.group.size() == 2);
  CHECK(pairs.group_count == w.size() / 2);
  CHECK(pairs.leader() == (pairs.group.rank() == 0));
  trawl::RankGroups singles = trawl::make_rank_groups(w, 1);
  CHECK(singles.group.size() == 1);
  CHECK(singles.group_count == w.size());
  CHECK(singles.group_index == w.rank());
  CHECK_THROWS_AS(trawl::make_rank_groups(w, w.size() + 1), trawl::InputError);  // on every rank alike
}

TEST_CASE("the MPI gradient all-reduce sums buffers in place across the group", "[comm]") {
  const auto& w = world();
  auto reduce = trawl::make_mpi_all_reduce(w);
  std::vector<float> a(1000, static_cast<float>(w.rank() + 1));
  std::vector<double> b(7, 0.5);
  reduce->start(a.data(), a.size(), trawl::ElementType::f32);
  reduce->start(b.data(), b.size(), trawl::ElementType::f64);
  reduce->wait_all();
  const float expected = static_cast<float>(w.size() * (w.size() + 1) / 2);
  CHECK(std::all_of(a.begin(), a.end(), [&](float x) { return x == expected; }));
  CHECK(std::all_of(b.begin(), b.end(), [&](double x) { return x == 0.5 * w.size(); }));
  CHECK(std::string(reduce->name()) == "mpi");
}
