#include "catch_support.hpp"

#include <cmath>
#include <limits>
#include <map>

#include "grid/grid.hpp"
#include "schedule/halving.hpp"
#include "test_files.hpp"

namespace {

using trawl::TrialStatus;

const char* const sweep = R"(
[sweep]
metric = "val.accuracy"
schedule = "dynamic"
[data]
path = "d.h5"
[train]
steps = 100
[prune]
rule = "halving"
min_steps = 10
reduction = 3
)";

// Rows as the results file would hold them, with the metric at each rung step.
struct Rows {
  trawl::BoardRows rows;
  std::map<std::pair<trawl::TrialId, std::int64_t>, double> values;

  explicit Rows(std::size_t n)
      : rows(std::vector<TrialStatus>(n, TrialStatus::pending),
             std::vector<double>(n, std::numeric_limits<double>::quiet_NaN())) {
    rows.rung.assign(n, 0);
    rows.metric_at = [this](trawl::TrialId t, const std::string&, std::int64_t step) {
      const auto it = values.find({t, step});
      return it == values.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
    };
  }
  void pause(trawl::TrialId t, std::int64_t rung, std::int64_t step, double value) {
    rows.set_status(t, TrialStatus::paused);
    rows.rung[static_cast<std::size_t>(t)] = rung;
    values[{t, step}] = value;
  }
};

std::map<trawl::TrialId, bool> verdicts(const std::vector<trawl::RungDecision>& decisions) {
  std::map<trawl::TrialId, bool> out;
  for (const auto& d : decisions) out[d.trial] = d.promoted;
  return out;
}

}  // namespace

TEST_CASE("halving keeps the best third of a rung, ties by trial id, failed trials last", "[schedule][halving]") {
  const trawl::SweepSpec spec = trawl::test::parse(std::string(sweep) + "[grid]\ntrain.lr = [1,2,3,4,5,6,7,8,9]\n");
  const trawl::Grid grid(spec);
  const trawl::Halving halving(spec, grid);
  CHECK(halving.rung_step(0) == 10);
  CHECK(halving.rung_step(2) == 90);
  CHECK(halving.rungs_of(0) == 3);
  Rows r(9);
  const double values[9] = {0.5, 0.9, 0.7, 0.9, 0.1, 0.2, 0.3, 0.4, 0.8};
  for (trawl::TrialId t = 0; t < 9; ++t) r.pause(t, 0, 10, values[t]);
  r.rows.set_status(2, TrialStatus::failed);  // failed on its way: counts, last
  const auto decided = verdicts(halving.decide(r.rows));
  CHECK(decided.size() == 8);  // the failed trial is not paused: nothing to decide for it
  CHECK(decided.at(1));        // 0.9, trial 1 before trial 3 (same value)
  CHECK(decided.at(3));
  CHECK(decided.at(8));        // 0.8
  for (trawl::TrialId t : {0, 4, 5, 6, 7}) CHECK_FALSE(decided.at(t));
  CHECK(r.rows.status(1) == TrialStatus::pending);
  CHECK(r.rows.rung[1] == 1);
  CHECK(r.rows.status(0) == TrialStatus::pruned);
  CHECK(r.rows.rung[0] == 0);
}

TEST_CASE("halving waits while a trial of the cohort can still reach the rung", "[schedule][halving]") {
  const trawl::SweepSpec spec = trawl::test::parse(std::string(sweep) + "[grid]\ntrain.lr = [1,2,3]\n");
  const trawl::Grid grid(spec);
  const trawl::Halving halving(spec, grid);
  Rows r(3);
  r.pause(0, 0, 10, 0.5);
  r.pause(1, 0, 10, 0.6);
  for (TrialStatus still : {TrialStatus::pending, TrialStatus::running}) {
    r.rows.set_status(2, still);
    CHECK(halving.decide(r.rows).empty());
  }
  r.pause(2, 0, 10, 0.4);
  const auto decided = verdicts(halving.decide(r.rows));
  CHECK(decided == std::map<trawl::TrialId, bool>{{0, false}, {1, true}, {2, false}});
  // The promoted trial trains on; at rung 1 it is alone and goes on again.
  r.pause(1, 1, 30, 0.7);
  CHECK(verdicts(halving.decide(r.rows)) == std::map<trawl::TrialId, bool>{{1, true}});
  CHECK(r.rows.rung[1] == 2);
}

TEST_CASE("halving decides within each prune.group_by cohort", "[schedule][halving]") {
  const trawl::SweepSpec spec = trawl::test::parse(std::string(sweep) +
                                                   "group_by = [\"model.hidden\"]\n[grid]\nmodel.hidden = [8, 16]\n"
                                                   "train.lr = [1,2,3]\n");
  const trawl::Grid grid(spec);
  const trawl::Halving halving(spec, grid);
  Rows r(6);
  std::map<std::int64_t, std::vector<trawl::TrialId>> by_hidden;
  for (trawl::TrialId t = 0; t < 6; ++t) {
    const trawl::Trial trial = grid.trial(t);
    for (const auto& [axis, value] : trial.params)
      if (axis == "model.hidden") by_hidden[std::get<std::int64_t>(value)].push_back(t);
  }
  // The 8-wide cohort all paused; the 16-wide still training: only the first is decided.
  for (trawl::TrialId t : by_hidden[8]) r.pause(t, 0, 10, 0.1 * static_cast<double>(t));
  r.rows.set_status(by_hidden[16][0], TrialStatus::running);
  const auto decided = verdicts(halving.decide(r.rows));
  REQUIRE(decided.size() == 3);
  CHECK(decided.at(by_hidden[8].back()));  // the highest accuracy of its cohort
  CHECK(halving.cohort_of(by_hidden[8][0]) != halving.cohort_of(by_hidden[16][0]));
  CHECK(halving.cohort_label(halving.cohort_of(by_hidden[8][0])) == "model.hidden=8");
}

TEST_CASE("halving keeps decisions taken and judges trials that join later against every participant",
          "[schedule][halving]") {
  const trawl::SweepSpec spec = trawl::test::parse(std::string(sweep) + "[grid]\ntrain.lr = [1,2,3,4,5,6]\n");
  const trawl::Grid grid(spec);
  const trawl::Halving halving(spec, grid);
  Rows r(6);
  // Trials 0-2 were decided at rung 0 before the grid grew: 1 went on, 0 and 2 pruned.
  r.values[{0, 10}] = 0.5;
  r.values[{1, 10}] = 0.6;
  r.values[{2, 10}] = 0.4;
  r.rows.set_status(0, TrialStatus::pruned);
  r.rows.set_status(2, TrialStatus::pruned);
  r.rows.rung[1] = 1;
  r.rows.set_status(1, TrialStatus::running);
  // The new trials 3-5 reach rung 0: with 6 participants the best 2 go on.
  r.pause(3, 0, 10, 0.55);
  r.pause(4, 0, 10, 0.9);
  r.pause(5, 0, 10, 0.1);
  const auto decided = verdicts(halving.decide(r.rows));
  CHECK(decided == std::map<trawl::TrialId, bool>{{3, false}, {4, true}, {5, false}});
  CHECK(r.rows.status(0) == TrialStatus::pruned);  // taken decisions stay
}

TEST_CASE("a trial whose steps end below a rung finishes without taking part in it", "[schedule][halving]") {
  const trawl::SweepSpec spec = trawl::test::parse(std::string(sweep) + "[grid]\ntrain.steps = [20, 100]\n");
  const trawl::Grid grid(spec);
  const trawl::Halving halving(spec, grid);
  CHECK(halving.rungs_of(0) == 1);  // 20 steps: rung 10 only
  CHECK(halving.rungs_of(1) == 3);
  Rows r(2);
  r.pause(0, 0, 10, 0.3);
  r.pause(1, 0, 10, 0.2);
  CHECK(verdicts(halving.decide(r.rows)) == std::map<trawl::TrialId, bool>{{0, true}, {1, false}});
}

TEST_CASE("a huge prune.reduction keeps the best trial of a rung instead of wrapping", "[schedule][halving]") {
  std::string text = std::string(sweep) + "[grid]\ntrain.lr = [1,2,3,4]\n";
  text.replace(text.find("reduction = 3"), 13, "reduction = 9223372036854775807");
  const trawl::SweepSpec spec = trawl::test::parse(text);
  const trawl::Grid grid(spec);
  const trawl::Halving halving(spec, grid);
  CHECK(halving.rung_step(0) == 10);
  CHECK(halving.rung_step(3) == std::numeric_limits<std::int64_t>::max());  // saturates, never wraps
  CHECK(halving.rungs_of(0) == 1);
  Rows r(4);
  const double values[4] = {0.5, 0.9, 0.7, 0.1};
  for (trawl::TrialId t = 0; t < 4; ++t) r.pause(t, 0, 10, values[t]);
  const auto decided = verdicts(halving.decide(r.rows));
  CHECK(decided.size() == 4);
  CHECK(decided.at(1));  // the best (val.accuracy 0.9) goes on
  for (trawl::TrialId t : {0, 2, 3}) CHECK_FALSE(decided.at(t));
}
