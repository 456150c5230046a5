// lib/sweep: the Worker: one rank group of `trawl run` working through the
// trials its Schedule hands it. Every rank of the job makes one; each group
// trains its trials one after another, data-parallel, and its leader records
// them in the shared results file. Every decision that ends or changes the
// group's work (stop, deadline, claim, abandon) is agreed by the whole group
// before any rank acts on it, so a signal that reaches one rank first never
// leaves its peers waiting in a collective call.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "comm/rank_groups.hpp"
#include "schedule/schedule.hpp"
#include "store/result_store.hpp"
#include "sweep/run.hpp"
#include "sweep/stall_watchdog.hpp"
#include "train/data_check.hpp"
#include "train/trainer.hpp"

namespace trawl {

class TrialLog;
class SharedTraining;

class Worker {
 public:
  // Collective over `world`: opens (or creates) the results file, forms the
  // rank groups and loads the data. Throws InputError on every rank alike.
  Worker(const SweepSpec& spec, const RunOptions& options, const Communicator& world);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs trials until the schedule has none left or a stop is agreed.
  RunSummary run();

 private:
  void start();
  void open_store(const DataShape& shape);
  std::optional<Assignment> next_trial();
  bool stop_agreed() const;
  bool run_trial(const Assignment& assignment);
  TrialOutcome train(TrialId id, std::int64_t rung, TrialLog& log);
  // worker_shared.cpp: trials that share one training run (infer.* axes).
  TrialOutcome run_shared(TrialId id, const TrialSettings& settings, TrainingObserver& observer, TrialLog& log);
  TrialOutcome train_shared(TrialId id, const TrialSettings& settings, TrainingObserver& observer,
                            SharedTraining& shared, TrialLog& log);
  TrialOutcome evaluate_shared(TrialId id, const TrialSettings& settings, const SharedTraining& shared,
                               TrialLog& log);
  std::string trial_identity(TrialId id) const;
  void record_outcome(TrialId id, const TrialOutcome& outcome, TrialLog& log);
  void record_pause(TrialId id, std::int64_t rung, const TrialOutcome& outcome, TrialLog& log);
  void note(TrialId id, const std::string& kind, const std::string& message, TrialLog* log);

  const SweepSpec& spec_;
  RunOptions options_;
  const Communicator& world_;
  Grid grid_;
  RankGroups groups_;
  std::optional<ResultStore> store_;
  std::unique_ptr<Schedule> schedule_;  // the leader's; other ranks follow it
  std::unique_ptr<Trainer> trainer_;
  std::string owner_, prefix_, spec_hash_, settings_hash_;
  std::unique_ptr<StallWatchdog> watchdog_;  // every rank's: exits when its trial stalls for a lease
  bool live_ = false;
  bool shares_training_ = false;  // the grid has evaluation-only axes
  RunSummary summary_;
};

}  // namespace trawl
