#include "sweep/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "comm/rank_groups.hpp"
#include "core/text.hpp"
#include "grid/grid.hpp"
#include "schedule/static_partition.hpp"
#include "slurm/environment.hpp"
#include "slurm/stop_signal.hpp"
#include "spec/metrics.hpp"
#include "spec/spec_hash.hpp"
#include "spec/trial_settings.hpp"
#include "store/result_store.hpp"
#include "sweep/repair.hpp"
#include "train/data_check.hpp"
#include "train/trainer.hpp"

namespace trawl {

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string format_number(double value, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string format_metric(double value) { return format_number(value, "%.4f"); }

// One line per eval point, in a form that reads well in a Slurm log, plus a
// live progress line when stdout is a terminal.
class TrialLog : public TrainingObserver {
 public:
  // `live`: redraw a progress line between eval points (a terminal, one rank).
  TrialLog(ResultStore& store, std::string prefix, TrialId trial, std::int64_t position, std::int64_t count,
           bool live)
      : store_(store), prefix_(std::move(prefix)), trial_(trial), position_(position), count_(count), live_(live) {}

  void on_eval(const EvalPoint& point, double throughput, const char* unit, double learning_rate) override {
    store_.eval_point(trial_, point);
    std::ostringstream line;
    line << prefix_ << " trial " << trial_ << " (" << position_ << (count_ ? "/" + std::to_string(count_) : "")
         << ") step " << point.step;
    for (const auto& [name, value] : point.metrics) line << " " << name << "=" << format_metric(value);
    line << " lr=" << format_number(learning_rate, "%.3g") << " " << unit << "=" << static_cast<std::int64_t>(throughput);
    print(line.str() + "\n");
  }

  // The dynamic schedule: renew the trial's lease every third of it; once a
  // renewal fails the trial is someone else's and training must stop.
  void hold_lease(std::string owner, double lease_seconds) {
    owner_ = std::move(owner);
    lease_seconds_ = lease_seconds;
    last_renewal_ = std::chrono::steady_clock::now();
  }

  bool keep_going() override { return lease_held_; }

  void on_step(std::int64_t done, std::int64_t steps) override {
    if (!owner_.empty() && lease_held_) {
      auto t = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(t - last_renewal_).count() >= lease_seconds_ / 3) {
        lease_held_ = store_.renew_lease(trial_, owner_, lease_seconds_);
        last_renewal_ = t;
      }
    }
    if (!live_) return;
    auto t = std::chrono::steady_clock::now();
    if (t - last_live_ < std::chrono::milliseconds(200) && done != steps) return;
    last_live_ = t;
    std::ostringstream line;
    line << "\r" << prefix_ << " trial " << trial_ << " (" << position_ << "/" << count_ << ") step " << done << "/"
         << steps << " " << (100 * done / steps) << "%";
    std::cout << line.str() << std::flush;
    live_shown_ = true;
  }

  void print(const std::string& text) {
    if (live_shown_) std::cout << "\r\033[K";
    live_shown_ = false;
    std::cout << text << std::flush;
  }

 private:
  ResultStore& store_;
  std::string prefix_;
  TrialId trial_;
  std::int64_t position_, count_;
  bool live_;
  bool live_shown_ = false;
  std::chrono::steady_clock::time_point last_live_{};
  std::string owner_;
  double lease_seconds_ = 0;
  bool lease_held_ = true;
  std::chrono::steady_clock::time_point last_renewal_{};
};

// What the other ranks of a group observe: nothing; their leader reports.
class NoOutput : public TrainingObserver {
 public:
  void on_eval(const EvalPoint&, double, const char*, double) override {}
};

}  // namespace

std::string final_weights_path(const SweepSpec& spec, std::int64_t trial) {
  return trial_dir(spec.results_dir(), trial) + "/final.pt";
}

std::string checkpoint_dir(const SweepSpec& spec, std::int64_t trial) {
  return trial_dir(spec.results_dir(), trial) + "/checkpoints";
}

RunSummary run_sweep(const SweepSpec& spec, const RunOptions& options, const Communicator& world) {
  const int ranks_per_trial = static_cast<int>(spec.integer("sweep.ranks_per_trial"));

  const DataShape shape = inspect_data(spec);
  const std::vector<std::string> metrics = metric_names(spec.string("data.task"), shape.classes);
  const std::string& metric = spec.string("sweep.metric");
  install_stop_handlers();
  const double deadline = options.deadline > 0 ? options.deadline : slurm_job_end_time();
  if (deadline > 0) set_deadline(deadline, spec.real("checkpoint.deadline_margin"));
  const Grid grid(spec);
  const ArrayTask array = array_task(options.array_index, options.array_count);
  RankGroups groups = make_rank_groups(world, ranks_per_trial);
  const WorkerId worker = WorkerId::of(array.index, array.count, groups.group_index, groups.group_count);

  // Rank 0 makes the file (or checks it belongs to this sweep) before anyone
  // else opens it; other array tasks find it made or make it under the lock.
  const std::string hash = spec_hash(spec);
  std::optional<ResultStore> store;
  int outcome_on_rank0 = 0;  // 0 ok, 1 input error, 2 other error
  std::exception_ptr failure;
  if (world.rank() == 0) {
    try {
      store = ResultStore::open_or_create(spec, grid, metrics, hash);
    } catch (const InputError&) {
      outcome_on_rank0 = 1;
      failure = std::current_exception();
    } catch (...) {
      outcome_on_rank0 = 2;
      failure = std::current_exception();
    }
  }
  world.broadcast(&outcome_on_rank0, 1, MPI_INT, 0);
  if (failure) std::rethrow_exception(failure);
  // Every rank fails with rank 0; only rank 0's message is worth printing.
  if (outcome_on_rank0 == 1) throw InputError("");
  if (outcome_on_rank0 == 2) throw Error("");
  if (world.rank() != 0) store = ResultStore::open_or_create(spec, grid, metrics, hash);

  RunSummary summary;
  const StaticPartition mine(grid.size(), worker);
  const bool leader = groups.leader();

  const int threads = options.threads > 0                  ? options.threads
                      : spec.integer("train.threads") > 0 ? static_cast<int>(spec.integer("train.threads"))
                                                           : threads_per_rank(groups.node.size());
  Trainer trainer(spec, shape, TrainerContext{&groups.group, groups.node.rank(), threads});
  const std::string label = "a" + std::to_string(array.index) + ".g" + std::to_string(groups.group_index);
  std::string owner = label + "@" + host_name() + ":" + std::to_string(::getpid());
  if (!slurm_job_label().empty()) owner += " job " + slurm_job_label();
  const std::string prefix = "[trawl " + label + " r" + std::to_string(world.rank()) + "]";
  // Everything this worker records goes to its own journal first (for repair).
  if (leader)
    store->attach_journal(std::make_shared<Journal>(journal_dir(spec.results_dir()),
                                                    label + "-" + host_name() + "-" + std::to_string(::getpid())));
  if (leader)
    std::cout << prefix << " worker " << worker.index << "/" << worker.count << ": "
              << (spec.string("sweep.schedule") == "dynamic" ? "claims trials as it goes"
                                                              : std::to_string(mine.size()) + " of " +
                                                                    std::to_string(grid.size()) + " trials")
              << ", " << groups.group.size() << " rank(s) x " << threads << " threads on "
              << trainer.device_name() << ", results " << spec.results_file() << std::endl;

  // mpirun gives ranks a terminal too, but their redrawn lines would mix.
  const bool live = isatty(STDOUT_FILENO) == 1 && world.size() == 1;
  const bool dynamic = spec.string("sweep.schedule") == "dynamic";
  const double lease = spec.real("sweep.lease_seconds");
  NoOutput quiet;

  // Trains one trial with the whole group; false when the run must stop.
  auto run_one = [&](TrialId id, std::int64_t position, std::int64_t count) {
    const Trial trial = grid.trial(id);
    TrialLog log(*store, prefix, id, position, count, live);
    if (dynamic) log.hold_lease(owner, lease);
    if (leader) {
      std::vector<std::string> params;
      for (const auto& [key, value] : trial.params) params.push_back(key + "=" + to_string(value));
      log.print(prefix + " trial " + std::to_string(id) + " start seed=" + std::to_string(trial.seed) +
                (params.empty() ? "" : " " + join(params, " ")) + "\n");
      if (!dynamic) {  // a claim records itself
        store->trial_started(id, owner, now());
        store->event(StoreEvent{now(), id, "started", "by " + owner});
      }
    }
    TrialOutcome outcome;
    try {
      TrialSettings settings = trial_settings(spec, trial);
      const CheckpointDir checkpoints(checkpoint_dir(spec, id), static_cast<int>(spec.integer("checkpoint.keep")));
      CheckpointPolicy policy{&checkpoints, spec.integer("checkpoint.every_steps"),
                              spec.real("checkpoint.every_seconds"), true,
                              [&](const std::string& kind, const std::string& message) {
                                store->event(StoreEvent{now(), id, kind, message});
                                log.print(prefix + " trial " + std::to_string(id) + " " + kind + ": " + message + "\n");
                              }};
      outcome = trainer.train(settings, leader ? static_cast<TrainingObserver&>(log) : quiet,
                              options.save_final ? final_weights_path(spec, id) : "", policy);
    } catch (const InputError& e) {
      // A trial that cannot train is a result, not a crash: record it and go on.
      // Its settings fail alike on every rank of the group, so all go on together.
      outcome = TrialOutcome{};
      outcome.status = TrialStatus::failed;
      outcome.message = e.what();
    } catch (const std::exception& e) {
      if (groups.group.size() > 1) throw;  // the group's ranks may disagree: stop the job
      outcome = TrialOutcome{};
      outcome.status = TrialStatus::failed;
      outcome.message = e.what();
    }
    if (outcome.abandoned) {
      // Our lease lapsed and another worker holds the trial now: leave it be.
      if (leader) log.print(prefix + " trial " + std::to_string(id) + " abandoned: its lease passed to another worker\n");
      return true;
    }
    if (outcome.interrupted) {
      ++summary.interrupted;
      if (leader) {
        store->trial_interrupted(id, outcome.steps);
        const std::string message = "stopped at step " + std::to_string(outcome.steps) + " (signal or deadline)";
        store->event(StoreEvent{now(), id, "interrupted", message});
        log.print(prefix + " trial " + std::to_string(id) + " interrupted: " + message + "\n");
      }
      return false;
    }
    if (!leader) return true;
    switch (outcome.status) {
      case TrialStatus::done: ++summary.done; break;
      case TrialStatus::diverged: ++summary.diverged; break;
      default: ++summary.failed; break;
    }
    store->trial_finished(id, outcome, now());
    if (outcome.status != TrialStatus::done)
      store->event(StoreEvent{now(), id, to_string(outcome.status), outcome.message});
    std::string end = prefix + " trial " + std::to_string(id) + " " + to_string(outcome.status);
    if (outcome.status == TrialStatus::done && outcome.final_metrics.count(metric))
      end += " " + metric + "=" + format_metric(outcome.final_metrics.at(metric));
    if (!outcome.message.empty()) end += ": " + outcome.message;
    if (outcome.checkpoints_written)
      end += " (" + std::to_string(outcome.checkpoints_written) + " checkpoints in " +
             format_number(outcome.checkpoint_seconds, "%.3f") + " s)";
    log.print(end + "\n");
    return true;
  };

  if (dynamic) {
    // The leader claims the next trial under the store's lock; its group follows.
    for (std::int64_t position = 1;; ++position) {
      std::int64_t next = -1;
      while (leader && stop_requested() == StopLevel::none) {
        ResultStore::Claim claim = store->claim_next(owner, lease, options.retry_failed);
        if (claim.trial) {
          next = *claim.trial;
          store->event(StoreEvent{now(), next, "claimed", "by " + owner});
          break;
        }
        if (claim.wait <= 0) break;  // nothing pending, nothing running elsewhere
        // Another worker holds a trial: wait for it to finish or for its lease to lapse.
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(std::max(claim.wait, 0.05), 5.0)));
      }
      groups.group.broadcast(&next, 1, MPI_INT64_T, 0);
      if (next < 0) {
        if (stop_requested() != StopLevel::none) ++summary.interrupted;
        break;
      }
      if (!run_one(next, position, 0)) break;
    }
    return summary;
  }

  // The static schedule: the leader decides what is left to run; its group follows.
  std::vector<std::int8_t> statuses(static_cast<std::size_t>(grid.size()));
  if (leader) {
    const std::vector<TrialStatus> recorded = store->statuses();
    for (std::size_t i = 0; i < statuses.size(); ++i) statuses[i] = static_cast<std::int8_t>(recorded[i]);
  }
  groups.group.broadcast(statuses.data(), static_cast<int>(statuses.size()), MPI_INT8_T, 0);
  for (std::int64_t k = 0; k < mine.size(); ++k) {
    const TrialId id = mine[k];
    const auto status = static_cast<TrialStatus>(statuses[static_cast<std::size_t>(id)]);
    const bool retry = options.retry_failed && (status == TrialStatus::failed || status == TrialStatus::diverged);
    if (status != TrialStatus::pending && status != TrialStatus::running && !retry) {
      if (leader) ++summary.skipped;
      continue;
    }
    if (stop_requested() != StopLevel::none) {
      ++summary.interrupted;  // no new trial once a stop is asked for
      break;
    }
    if (!run_one(id, k + 1, mine.size())) break;
  }
  return summary;
}

}  // namespace trawl
