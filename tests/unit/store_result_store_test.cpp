#include "catch_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "grid/grid.hpp"
#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "schedule/schedule.hpp"
#include "store/result_store.hpp"
#include "test_files.hpp"

namespace {

// The data file is only hashed (the results file records its hash), never read.
trawl::SweepSpec store_spec(const std::string& dir) {
  std::ofstream(dir + "/d.h5") << "data";
  return trawl::test::parse("[data]\npath = \"d.h5\"\n[sweep]\nseeds = [1, 2]\nmetric = \"val.accuracy\"\n"
                            "[grid]\ntrain.lr = [0.1, 0.01]\ntrain.optimizer = [\"adamw\", \"sgd\"]\n"
                            "model.hidden = [4, 8]\n",
                            dir);
}

const std::vector<std::string> metrics{"train.loss", "val.loss", "val.accuracy"};

}  // namespace

TEST_CASE("a new results file has every trial row, pending, with its parameters", "[store]") {
  std::string dir = trawl::test::scratch_dir("store-layout");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  trawl::ResultStore store = trawl::ResultStore::open_or_create(spec, grid, metrics, "hash-1");
  CHECK(store.trial_count() == 16);
  for (auto status : store.statuses()) CHECK(status == trawl::TrialStatus::pending);
  CHECK(store.attribute("metric") == "val.accuracy");
  CHECK(store.attribute("mode") == "max");
  CHECK(store.attribute("sweep_file") == spec.text);

  // Opening again finds it; another sweep's hash is refused with a message.
  CHECK(trawl::ResultStore::open_or_create(spec, grid, metrics, "hash-1").trial_count() == 16);
  CHECK_THROWS_WITH(trawl::ResultStore::open_or_create(spec, grid, metrics, "hash-2"),
                    trawl::test::Contains("made by a different sweep"));
}

TEST_CASE("trial records round-trip through the file", "[store]") {
  std::string dir = trawl::test::scratch_dir("store-roundtrip");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  trawl::ResultStore store = trawl::ResultStore::open_or_create(spec, grid, metrics, "h");
  const double before = static_cast<double>(std::time(nullptr)) - 1;
  store.claim([](const trawl::BoardRows&) { return trawl::Claim{trawl::TrialId{3}, 0.0, 0, {}, {}}; }, "a0.g0@host:1",
              60);
  store.eval_point(3, trawl::EvalPoint{0, 50, {{"val.accuracy", 0.5}, {"val.loss", 1.0}, {"train.loss", 2.0}}});
  store.eval_point(3, trawl::EvalPoint{1, 100, {{"val.accuracy", 0.75}, {"val.loss", 0.5}, {"train.loss", 1.0}}});
  trawl::TrialOutcome outcome;
  outcome.steps = 100;
  outcome.wall_seconds = 4.5;
  outcome.final_metrics = {{"val.accuracy", 0.75}};
  outcome.best_metrics = {{"val.accuracy", 0.75}};
  outcome.best_step = 100;
  store.trial_finished(3, outcome, 104.5);
  store.event(trawl::StoreEvent{105.0, 3, "note", "hello"});

  trawl::TrialTable table = store.read_trials();
  CHECK(table.status[3] == trawl::TrialStatus::done);
  CHECK(table.status[2] == trawl::TrialStatus::pending);
  CHECK(table.attempts[3] == 1);
  CHECK(table.owner[3] == "a0.g0@host:1");
  CHECK(table.steps[3] == 100);
  CHECK(table.best_step[3] == 100);
  CHECK(table.started[3] >= before);
  CHECK(table.started[3] <= before + 60);
  CHECK(table.final_metrics["val.accuracy"][3] == 0.75);
  CHECK(std::isnan(table.final_metrics["val.accuracy"][2]));
  auto events = store.read_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].message == "hello");
}

namespace {

void hammer(const std::string& name) {
  std::string dir = trawl::test::scratch_dir(name);
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  const std::string path = trawl::ResultStore::open_or_create(spec, grid, metrics, "h").path();
  constexpr int writers = 8, records = 200;
  std::vector<pid_t> children;
  for (int w = 0; w < writers; ++w) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        trawl::ResultStore store = trawl::ResultStore::open_existing(path);
        for (int r = 0; r < records; ++r) {
          // Each writer owns two trials' curves and appends its own events.
          trawl::TrialId trial = w * 2 + r % 2;
          store.eval_point(trial, trawl::EvalPoint{r / 2, r, {{"val.loss", w * 1000.0 + r}}});
          store.event(trawl::StoreEvent{0.0, trial, "write", std::to_string(w) + ":" + std::to_string(r)});
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  trawl::ResultStore store = trawl::ResultStore::open_existing(path);
  std::set<std::string> seen;
  for (const auto& event : store.read_events()) seen.insert(event.message);
  CHECK(seen.size() == static_cast<std::size_t>(writers * records));
  for (int w = 0; w < writers; ++w)
    for (int r = 0; r < records; ++r) CHECK(seen.count(std::to_string(w) + ":" + std::to_string(r)) == 1);
  // Every curve cell landed where its writer put it.
  trawl::TrialTable table = store.read_trials();
  for (int w = 0; w < writers; ++w) CHECK(table.steps[static_cast<std::size_t>(w * 2 + 1)] == records - 1);
}

}  // namespace

TEST_CASE("8 processes writing concurrently under the lock lose no record", "[store]") {
  hammer("store-contention");
}

TEST_CASE("the mkdir lock fallback serialises writers too", "[store]") {
  setenv("TRAWL_LOCK", "mkdir", 1);
  hammer("store-contention-mkdir");
  unsetenv("TRAWL_LOCK");
}

TEST_CASE("claims take the first claimable trial under the lock; leases renew only for their owner",
          "[store][schedule]") {
  std::string dir = trawl::test::scratch_dir("store-claims");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  trawl::ResultStore store = trawl::ResultStore::open_or_create(spec, grid, metrics, "h");
  double clock = 0;  // the readers' monotonic clock
  trawl::LeaseWatch leases(60, [&] { return clock; });
  auto first = [&](const trawl::BoardRows& rows) { return trawl::first_claimable(rows, leases, false); };
  const trawl::Claim a = store.claim(first, "worker-a", 60);
  const trawl::Claim b = store.claim(first, "worker-b", 60);
  REQUIRE(a.trial);
  REQUIRE(b.trial);
  CHECK(*a.trial == 0);
  CHECK(*b.trial == 1);  // trial 0 is leased to worker-a
  CHECK(store.renew(0, "worker-a", 60));
  CHECK_FALSE(store.renew(0, "worker-b", 60));
  const trawl::Claim expired = store.claim(first, "worker-c", 60);
  REQUIRE(expired.trial);
  CHECK(store.claim(first, "worker-d", 60).trial != *expired.trial);  // leased: first seen now
  clock += 30;
  CHECK(store.renew(0, "worker-a", 60));  // workers a and b renew, c does not
  CHECK(store.renew(1, "worker-b", 60));
  CHECK(store.claim(first, "worker-d", 60).trial != *expired.trial);
  clock += 30;
  CHECK(store.claim(first, "worker-d", 60).trial == *expired.trial);  // a lapsed lease is claimed again
  const trawl::TrialTable table = store.read_trials();
  CHECK(table.owner[static_cast<std::size_t>(*expired.trial)] == "worker-d");
  CHECK(table.attempts[static_cast<std::size_t>(*expired.trial)] == 2);
}

TEST_CASE("the claim cursor is kept in the file; an interrupted trial below it is claimed again",
          "[store][schedule]") {
  std::string dir = trawl::test::scratch_dir("store-cursor");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  trawl::ResultStore store = trawl::ResultStore::open_or_create(spec, grid, metrics, "h");
  trawl::LeaseWatch leases(60);
  auto from_cursor = [&](const trawl::BoardRows& rows) { return trawl::claim_from_cursor(rows, leases); };
  for (trawl::TrialId expected = 0; expected < 3; ++expected) {
    const trawl::Claim c = store.claim(from_cursor, "worker-a", 60);
    CHECK(c.trial == expected);
    REQUIRE(c.cursor);
    CHECK(c.cursor->next == expected + 1);
  }
  {
    trawl::h5::File file = trawl::h5::open_file(spec.results_file(), H5F_ACC_RDONLY);
    CHECK(trawl::h5::read<std::int64_t>(file.get(), "schedule/cursor") == std::vector<std::int64_t>({3, 0, 1, 2}));
  }
  store.trial_interrupted(1, 5);  // a graceful stop: trial 1 is pending again
  trawl::TrialOutcome outcome;
  outcome.status = trawl::TrialStatus::done;
  store.trial_finished(0, outcome, 1.0);
  const trawl::Claim again = store.claim(from_cursor, "worker-b", 60);
  CHECK(again.trial == 1);
  CHECK(again.cursor->held == std::vector<trawl::TrialId>({1, 2}));  // 0 ended; 2 still runs
  CHECK(store.claim(from_cursor, "worker-b", 60).trial == 3);
}

TEST_CASE("repair replays each trial attempt by attempt, whatever the nodes' clocks said", "[store][journal]") {
  std::string dir = trawl::test::scratch_dir("store-replay");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  const std::string journals = dir + "/journals";
  {
    // Worker A (its clock ahead) claimed trial 5, reached step 10 and died.
    trawl::Journal a(journals, "a");
    a.append(trawl::encode({1000, trawl::StartRecord{5, "worker-a", 1, 1060.0}}));
    a.append(trawl::encode({1001, trawl::EvalRecord{5, {0, 10, {{"val.loss", 0.9}}}}}));
    // Worker B (its clock behind) claimed it after A's lease lapsed and finished it.
    trawl::Journal b(journals, "b");
    b.append(trawl::encode({500, trawl::StartRecord{5, "worker-b", 2, 560.0}}));
    b.append(trawl::encode({501, trawl::EvalRecord{5, {0, 10, {{"val.loss", 0.8}}}}}));
    b.append(trawl::encode({502, trawl::EvalRecord{5, {1, 20, {{"val.loss", 0.7}}}}}));
    b.append(trawl::encode({503, trawl::FinishRecord{5, trawl::TrialStatus::done, 20, 20, 3.0,
                                                     {{"val.loss", 0.7}}, {{"val.loss", 0.7}}}}));
    b.append(trawl::encode({504, trawl::EventRecord{{504, 5, "note", "finished by b"}}}));
  }
  trawl::ResultStore store = trawl::ResultStore::open_or_create(spec, grid, metrics, "h");
  CHECK(store.replay(trawl::read_journals(journals)) == 7);
  const trawl::TrialTable table = store.read_trials();
  CHECK(table.status[5] == trawl::TrialStatus::done);
  CHECK(table.owner[5] == "worker-b");
  CHECK(table.attempts[5] == 2);
  CHECK(table.steps[5] == 20);
  CHECK(table.final_metrics.at("val.loss")[5] == 0.7);
  REQUIRE(store.read_events().size() == 1);

  // A record about a trial the grid does not have is refused, naming it.
  trawl::Journal(journals, "c").append(trawl::encode({1, trawl::InterruptRecord{99, 3}}));
  CHECK_THROWS_WITH(store.replay(trawl::read_journals(journals)), trawl::test::Contains("trial 99"));
}

TEST_CASE("a status outside the enum is reported as damage, not read as a status", "[store]") {
  std::string dir = trawl::test::scratch_dir("store-bad-status");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  const std::string path = trawl::ResultStore::open_or_create(spec, grid, metrics, "h").path();
  {
    trawl::h5::File file = trawl::h5::open_file(path, H5F_ACC_RDWR);
    trawl::h5::Dataset status = trawl::h5::open_dataset(file.get(), "trials/status");
    trawl::h5::Datatype type = trawl::h5::file_type(status);
    std::int8_t bad = 9;
    trawl::h5::write_rows(status, type.get(), 3, 1, &bad);
  }
  const trawl::ResultStore store = trawl::ResultStore::open_existing(path);
  CHECK_THROWS_WITH(store.statuses(), trawl::test::Contains("row 3 holds 9"));
}

TEST_CASE("a writer's records land only while the trial is running under its claim", "[store]") {
  std::string dir = trawl::test::scratch_dir("store-writer-guard");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  trawl::ResultStore a = trawl::ResultStore::open_or_create(spec, grid, metrics, "h");
  trawl::ResultStore b = trawl::ResultStore::open_existing(a.path());
  a.write_as("worker-a");
  b.write_as("worker-b");
  auto take = [](trawl::TrialId t) {
    return [t](const trawl::BoardRows&) { return trawl::Claim{t, 0.0, 0, {}, {}}; };
  };
  a.claim(take(2), "worker-a", -1);  // a lease over at once: a is paused, say
  b.claim(take(2), "worker-b", 60);  // and b takes the trial over
  CHECK_FALSE(a.eval_point(2, trawl::EvalPoint{0, 10, {{"val.loss", 9.0}}}));
  // A handle that did not make the claim knows it by its owner.
  trawl::ResultStore b_elsewhere = trawl::ResultStore::open_existing(a.path());
  b_elsewhere.write_as("worker-b");
  CHECK(b_elsewhere.eval_point(2, trawl::EvalPoint{0, 10, {{"val.loss", 1.0}}}));
  trawl::ResultStore a_elsewhere = trawl::ResultStore::open_existing(a.path());
  a_elsewhere.write_as("worker-a");
  CHECK_FALSE(a_elsewhere.eval_point(2, trawl::EvalPoint{0, 10, {{"val.loss", 9.0}}}));
  trawl::TrialOutcome outcome;
  outcome.steps = 20;
  CHECK(b.trial_finished(2, outcome, 1.0));
  CHECK_FALSE(a.trial_finished(2, outcome, 2.0));   // a stale worker cannot finish it again
  CHECK_FALSE(a.trial_interrupted(2, 5));           // nor send it back to pending
  CHECK_FALSE(b.trial_interrupted(2, 5));           // a done trial never goes back
  CHECK(a.read_trials().status[2] == trawl::TrialStatus::done);
  CHECK(a.read_trials().owner[2] == "worker-b");
  CHECK(a.read_trials().steps[2] == 20);
}

TEST_CASE("a write marks the file until it is closed; a mark left behind is a damaged file", "[store]") {
  namespace fs = std::filesystem;
  std::string dir = trawl::test::scratch_dir("store-marker");
  trawl::SweepSpec spec = store_spec(dir);
  trawl::Grid grid(spec);
  trawl::ResultStore store = trawl::ResultStore::open_or_create(spec, grid, metrics, "h");
  const std::string marker = store.path() + ".writing";
  // A claim that takes nothing and a finished write both leave no mark.
  store.claim([](const trawl::BoardRows&) { return trawl::Claim{std::nullopt, 0.0, 0, {}, {}}; }, "w", 60);
  CHECK_FALSE(fs::exists(marker));
  store.event(trawl::StoreEvent{1.0, -1, "note", "kept"});
  CHECK_FALSE(fs::exists(marker));
  // What a writer killed mid-write leaves: every reader and writer refuses the file.
  { std::ofstream left(marker); }
  CHECK_THROWS_AS(store.statuses(), trawl::DamagedResults);
  CHECK_THROWS_WITH(store.read_events(), trawl::test::Contains("stopped mid-write") &&
                                             trawl::test::Contains("trawl repair"));
  CHECK_THROWS_AS(store.event(trawl::StoreEvent{2.0, -1, "note", "lost?"}), trawl::DamagedResults);
  CHECK_THROWS_AS(trawl::ResultStore::open_or_create(spec, grid, metrics, "h"), trawl::DamagedResults);
  fs::remove(marker);
  REQUIRE(store.read_events().size() == 1);
}
