// lib/sweep: what the group leader observes while a trial trains: every eval
// point goes to the results file and to one log line (readable in a Slurm
// log); on a terminal, a live progress line is redrawn between them.
#pragma once

#include "core/text.hpp"

#include <chrono>
#include <string>

#include "schedule/schedule.hpp"
#include "store/result_store.hpp"
#include "sweep/shared_training.hpp"
#include "train/trainer.hpp"

namespace trawl {

class TrialLog : public TrainingObserver {
 public:
  // `schedule` is asked whether the trial is still ours (none: always).
  // `count` 0: the trial's position among this worker's is open-ended.
  // `live`: redraw a progress line between eval points (a terminal, one rank).
  TrialLog(ResultStore& store, Schedule* schedule, std::string prefix, TrialId trial, std::int64_t position,
           std::int64_t count, bool live);

  void on_eval(const EvalPoint& point, double throughput, const char* unit, double learning_rate) override;
  void on_step(std::int64_t done, std::int64_t steps) override;
  bool keep_going() override { return !schedule_ || schedule_->still_ours(trial_); }
  // From now on eval points also go to this shared training (none: not).
  void share_points_with(SharedTraining* shared) { shared_ = shared; }
  // Prints a whole line (ending in \n), first clearing the live line.
  void print(const std::string& text);

 private:
  ResultStore& store_;
  Schedule* schedule_;  // the leader's; none on other ranks
  SharedTraining* shared_ = nullptr;
  std::string prefix_;
  TrialId trial_;
  std::int64_t position_, count_;
  bool live_;
  bool live_shown_ = false;
  std::chrono::steady_clock::time_point last_live_{};
};

// What the other ranks of a group observe: nothing; their leader reports.
class NoOutput : public TrainingObserver {
 public:
  void on_eval(const EvalPoint&, double, const char*, double) override {}
};

inline std::string format_metric(double value) { return format_number(value, "%.4f"); }

}  // namespace trawl
