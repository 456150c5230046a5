// The results file under many processes (issue 14, items 3 and 4).
//
//   store_bench claims [seconds [trials workers]]   claims/s of the dynamic schedule for grids
//       of 10^3..10^6 trials and 2..32 worker processes, each claim followed
//       by the trial's outcome: the cursor claim (what `trawl run` does)
//       against the full scan it replaced (every status and lease read per
//       claim), measured in the same run.
//   store_bench lockwait [seconds]   claims/s and the mean and worst wait for one
//       claim (mostly the wait for the results file's lock) at 1, 8, 24 and 64
//       worker processes, each claiming the next trial and recording it done
//       at once (tiny trials: the most claims a file has to serve); the
//       ratios are against 1 worker, measured in the same run.
//   store_bench records [seconds [trials workers]]  records/s written by 2..32 worker
//       processes, each as `trawl run` writes a trial (claim, eval points,
//       outcome, each record journalled first), then every record checked
//       to be in the file.
//
// Each configuration runs for `seconds` (default 2) in a fresh directory under
// $TMPDIR (default /tmp).
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "schedule/schedule.hpp"
#include "spec/parse.hpp"
#include "store/journal.hpp"
#include "store/result_store.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> metrics{"train.loss", "val.loss", "val.accuracy"};
constexpr int points_per_trial = 4;  // eval points per trial in `records`

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A fresh results file of `trials` rows in its own directory.
trawl::ResultStore fresh_store(const std::string& name, std::int64_t trials, trawl::SweepSpec& spec) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/trawl-store-bench/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir + "/unused.h5").flush();  // the sweep's data file: hashed into the file, never read
  spec = trawl::parse_sweep_text("[data]\npath = \"unused.h5\"\n[sweep]\nschedule = \"dynamic\"\ndir = \"" + dir +
                                     "/sweep\"\n[grid]\ntrain.lr = {linspace = [0.001, 0.1, " +
                                     std::to_string(trials) + "]}\n",
                                 dir + "/sweep.toml", dir);
  return trawl::ResultStore::open_or_create(spec, trawl::Grid(spec), metrics, "bench");
}

// Runs `work` in `workers` processes until `seconds` have passed; returns the
// sum of what they counted (each writes its count to a pipe).
std::int64_t in_processes(int workers, double seconds, const std::function<std::int64_t(int, Clock::time_point)>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<pid_t> children;
  for (int w = 0; w < workers; ++w) {
    const pid_t child = fork();
    if (child == 0) {
      std::int64_t count = -1;
      try {
        count = work(w, deadline);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "worker %d: %s\n", w, e.what());
      }
      if (write(fds[1], &count, sizeof count) != sizeof count) _exit(2);
      _exit(0);
    }
    children.push_back(child);
  }
  close(fds[1]);
  std::int64_t total = 0, count = 0;
  while (read(fds[0], &count, sizeof count) == sizeof count) {
    if (count < 0) throw std::runtime_error("a worker failed");
    total += count;
  }
  close(fds[0]);
  for (pid_t child : children) waitpid(child, nullptr, 0);
  return total;
}

trawl::TrialOutcome done_outcome() {
  trawl::TrialOutcome outcome;
  outcome.status = trawl::TrialStatus::done;
  outcome.steps = points_per_trial;
  return outcome;
}

double claims_per_second(std::int64_t trials, int workers, double seconds, const trawl::TrialBoard::Pick& pick) {
  trawl::SweepSpec spec;
  trawl::ResultStore store = fresh_store("claims", trials, spec);
  const auto start = Clock::now();
  const std::int64_t claims = in_processes(workers, seconds, [&](int w, Clock::time_point deadline) {
    const std::string owner = "bench-" + std::to_string(w) + "@host:" + std::to_string(getpid());
    std::int64_t n = 0;
    while (Clock::now() < deadline) {
      const trawl::Claim c = store.claim(pick, owner, 300);
      if (!c.trial) break;
      store.trial_finished(*c.trial, done_outcome(), 0);
      ++n;
    }
    return n;
  });
  return static_cast<double>(claims) / seconds_since(start);
}

// What `trawl run` claims with: the dynamic schedule's cursor, leases judged
// by a watch of its own (a forked worker gets its own copy).
trawl::TrialBoard::Pick cursor_pick() {
  const auto leases = std::make_shared<trawl::LeaseWatch>(300.0);
  return [leases](const trawl::BoardRows& rows) { return trawl::claim_from_cursor(rows, *leases); };
}

void bench_claims(double seconds, std::vector<std::int64_t> grids, std::vector<int> worker_counts) {
  const trawl::TrialBoard::Pick cursor = cursor_pick();
  const auto leases = std::make_shared<trawl::LeaseWatch>(300.0);
  // What a claim did before the cursor: read every status and lease.
  const trawl::TrialBoard::Pick full_scan = [leases](const trawl::BoardRows& rows) {
    for (trawl::TrialId t = 0; t < rows.size(); t += 4096) rows.status(t);
    return trawl::first_claimable(rows, *leases, false);
  };
  std::printf("%9s %8s %14s %14s %7s\n", "trials", "workers", "cursor/s", "full scan/s", "ratio");
  for (std::int64_t trials : grids)
    for (int workers : worker_counts) {
      const double fast = claims_per_second(trials, workers, seconds, cursor);
      const double slow = claims_per_second(trials, workers, seconds, full_scan);
      std::printf("%9lld %8d %14.0f %14.0f %6.1fx\n", static_cast<long long>(trials), workers, fast, slow, fast / slow);
      std::fflush(stdout);
    }
}

// Every claimed trial's eval points and outcome, checked in the file.
std::int64_t records_missing(const trawl::ResultStore& store) {
  const trawl::TrialTable table = store.read_trials();
  std::int64_t missing = 0;
  for (std::size_t t = 0; t < table.status.size(); ++t) {
    if (table.status[t] == trawl::TrialStatus::pending) continue;
    if (table.status[t] != trawl::TrialStatus::done) ++missing;  // claimed, never finished
    if (table.steps[t] != points_per_trial) ++missing;
  }
  return missing;
}

void bench_records(double seconds, std::vector<int> worker_counts) {
  std::printf("%8s %12s %10s %8s\n", "workers", "records/s", "trials", "missing");
  for (int workers : worker_counts) {
    trawl::SweepSpec spec;
    trawl::ResultStore store = fresh_store("records", 100'000, spec);
    const trawl::TrialBoard::Pick cursor = cursor_pick();
    const auto start = Clock::now();
    const std::int64_t records = in_processes(workers, seconds, [&](int w, Clock::time_point deadline) {
      const std::string owner = "bench-" + std::to_string(w) + "@host:" + std::to_string(getpid());
      trawl::ResultStore mine = trawl::ResultStore::open_existing(store.path());
      mine.attach_journal(std::make_shared<trawl::Journal>(spec.results_dir() + "/journals", "w" + std::to_string(w)),
                          trawl::SweepRecord{"bench", "bench"});
      mine.write_as(owner);
      std::int64_t n = 0;
      while (Clock::now() < deadline) {
        const trawl::Claim c = mine.claim(cursor, owner, 300);
        if (!c.trial) break;
        for (int k = 0; k < points_per_trial; ++k)
          mine.eval_point(*c.trial, trawl::EvalPoint{k, k + 1, {{"val.loss", 1.0 / (k + 1)}}});
        mine.trial_finished(*c.trial, done_outcome(), 0);
        n += points_per_trial + 2;
      }
      return n;
    });
    const double rate = static_cast<double>(records) / seconds_since(start);
    const trawl::TrialTable table = store.read_trials();
    std::int64_t taken = 0;
    for (auto s : table.status) taken += s != trawl::TrialStatus::pending;
    std::printf("%8d %12.0f %10lld %8lld\n", workers, rate, static_cast<long long>(taken),
                static_cast<long long>(records_missing(store)));
    std::fflush(stdout);
  }
}

}  // namespace

// Claims by `workers` processes for `seconds`: claims/s, and each claim's
// mean and worst time (the lock's wait, then the session).
struct LockWait {
  double claims_per_second = 0, mean_ms = 0, worst_ms = 0;
};

LockWait lock_wait(int workers, double seconds) {
  trawl::SweepSpec spec;
  trawl::ResultStore store = fresh_store("lockwait", 500'000, spec);
  struct Tally {
    std::int64_t claims;
    double total, worst;
  };
  void* shared = mmap(nullptr, sizeof(Tally) * static_cast<std::size_t>(workers), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) throw std::runtime_error("mmap");
  auto* tallies = static_cast<Tally*>(shared);
  const auto start = Clock::now();
  in_processes(workers, seconds, [&](int w, Clock::time_point deadline) {
    const trawl::TrialBoard::Pick cursor = cursor_pick();
    const std::string owner = "bench-" + std::to_string(w) + "@host:" + std::to_string(getpid());
    Tally tally{0, 0, 0};
    while (Clock::now() < deadline) {
      const auto asked = Clock::now();
      const trawl::Claim c = store.claim(cursor, owner, 300);
      const double took = seconds_since(asked);
      if (!c.trial) break;
      tally = Tally{tally.claims + 1, tally.total + took, std::max(tally.worst, took)};
      store.trial_finished(*c.trial, done_outcome(), 0);
    }
    tallies[w] = tally;
    return tally.claims;
  });
  const double elapsed = seconds_since(start);
  Tally all{0, 0, 0};
  for (int w = 0; w < workers; ++w)
    all = Tally{all.claims + tallies[w].claims, all.total + tallies[w].total, std::max(all.worst, tallies[w].worst)};
  munmap(shared, sizeof(Tally) * static_cast<std::size_t>(workers));
  return {static_cast<double>(all.claims) / elapsed, 1e3 * all.total / static_cast<double>(std::max<std::int64_t>(all.claims, 1)),
          1e3 * all.worst};
}

void bench_lock_wait(double seconds) {
  std::printf("%8s %10s %13s %13s %16s\n", "workers", "claims/s", "mean wait ms", "worst wait ms", "mean vs 1 worker");
  const LockWait one = lock_wait(1, seconds);
  for (int workers : {1, 8, 24, 64}) {
    const LockWait w = workers == 1 ? one : lock_wait(workers, seconds);
    std::printf("%8d %10.0f %13.2f %13.1f %15.1fx\n", workers, w.claims_per_second, w.mean_ms, w.worst_ms,
                w.mean_ms / one.mean_ms);
    std::fflush(stdout);
  }
}

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  // One configuration instead of the table: store_bench claims 2 100000 8
  std::vector<std::int64_t> grids{1'000, 10'000, 100'000, 1'000'000};
  std::vector<int> workers{2, 8, 32};
  if (argc > 4) {
    grids = {std::atoll(argv[3])};
    workers = {std::atoi(argv[4])};
  }
  try {
    if (mode == "claims") bench_claims(seconds, grids, workers);
    else if (mode == "lockwait") bench_lock_wait(seconds);
    else if (mode == "records") bench_records(seconds, argc > 4 ? workers : std::vector<int>{2, 4, 8, 16, 32});
    else {
      std::fprintf(stderr, "usage: store_bench claims|lockwait|records [seconds [trials workers]]\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
