#include "catch_support.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "grid/grid.hpp"
#include "store/result_store.hpp"
#include "test_files.hpp"

namespace {

const std::vector<std::string> metrics{"train.loss", "val.loss", "val.accuracy"};

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t bytes(const std::string& path) { return static_cast<std::int64_t>(std::filesystem::file_size(path)); }

// What a worker writes for a one-eval-point trial: claim, its event, the
// eval point and the outcome, each in its own session of the file.
void record_trial(trawl::ResultStore& store, trawl::TrialId t) {
  const std::string owner = "a0.g0@compute-node-0042.cluster.example.org:123456 job 987654_3";
  store.claim([t](const trawl::BoardRows&) { return trawl::Claim{t, 0.0, 0, {}, {}}; }, owner, 300);
  store.event(trawl::StoreEvent{now(), t, "claimed", "by " + owner});
  const double value = 0.001 * static_cast<double>(t);
  store.eval_point(t, trawl::EvalPoint{0, 1, {{"train.loss", value}, {"val.loss", value}, {"val.accuracy", value}}});
  trawl::TrialOutcome outcome;
  outcome.steps = 1;
  outcome.best_step = 1;
  outcome.final_metrics = outcome.best_metrics = {{"train.loss", value}, {"val.loss", value}, {"val.accuracy", value}};
  store.trial_finished(t, outcome, now());
}

}  // namespace

TEST_CASE("a trial costs its data: at most 1 KB beyond its curve values, and rewrites do not grow the file",
          "[store][size]") {
  const std::string dir = trawl::test::scratch_dir("store-size");
  std::ofstream(dir + "/d.h5") << "data";  // hashed, not read
  const trawl::SweepSpec spec = trawl::test::parse(
      "[data]\npath = \"d.h5\"\n[grid]\ntrain.lr = {linspace = [0.001, 0.1, 2000]}\n", dir);
  const trawl::Grid grid(spec);
  trawl::ResultStore store = trawl::ResultStore::open_or_create(spec, grid, metrics, "h");
  const std::int64_t empty = bytes(store.path());
  for (trawl::TrialId t = 0; t < 2000; ++t) record_trial(store, t);
  const std::int64_t full = bytes(store.path());
  const std::int64_t curve_bytes = (3 + 1) * 8;  // three metrics and the step at one eval point
  const double per_trial = static_cast<double>(full - empty) / 2000;
  INFO("empty " << empty << " bytes, after 2000 trials " << full << " bytes: " << per_trial << " per trial");
  CHECK(per_trial <= 1024 + curve_bytes);

  // The same records again (a trial claimed, evaluated and finished anew), but
  // not the event, which is a log entry each time.
  for (trawl::TrialId t = 0; t < 500; ++t) {
    const std::string owner = "a0.g0@compute-node-0042.cluster.example.org:123456 job 987654_3";
    store.claim([t](const trawl::BoardRows&) { return trawl::Claim{t, 0.0, 0, {}, {}}; }, owner, 300);
    store.eval_point(t, trawl::EvalPoint{0, 1, {{"val.loss", 0.5}}});
  }
  INFO("after rewriting 500 trials' claims and eval points: " << bytes(store.path()) << " bytes");
  CHECK(bytes(store.path()) <= full + 4096);  // at most one string heap block

  const trawl::TrialTable before = store.read_trials();
  const trawl::CompactReport compacted = store.compact();
  // This file is near its minimum already; compaction must not make it grow.
  CHECK(static_cast<double>(compacted.bytes_after) <= 1.01 * static_cast<double>(compacted.bytes_before));
  const trawl::TrialTable after = store.read_trials();
  CHECK(after.owner == before.owner);
  CHECK(after.status == before.status);
  CHECK(after.final_metrics == before.final_metrics);
  CHECK(store.read_events().size() == 2000);
}
