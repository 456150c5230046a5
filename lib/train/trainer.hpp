// lib/train: trains one trial at a time in this process. The data is loaded
// once, when the Trainer is made, and shared by every trial it trains.
#pragma once

#include <memory>
#include <string>

#include "spec/trial_settings.hpp"
#include "train/data_check.hpp"
#include "train/outcome.hpp"

namespace trawl {

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // After every eval point; samples_per_second counts training steps only.
  virtual void on_eval(const EvalPoint& point, double samples_per_second, double learning_rate) = 0;
  // After every optimizer step (for progress displays; keep it cheap).
  virtual void on_step(std::int64_t steps_done, std::int64_t steps) {}
};

class Trainer {
 public:
  // `threads`: libtorch intra-op threads for this process.
  Trainer(const SweepSpec& spec, const DataShape& shape, int threads);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains one trial. A NaN or infinite loss ends it as `diverged`; settings
  // that cannot work throw InputError (the caller records the trial failed).
  // With a non-empty `save_path` the final weights are written there.
  TrialOutcome train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path = "");

 private:
  struct Impl;
  static TrialOutcome train_trial(const Impl& data, const TrialSettings& trial, TrainingObserver& observer,
                                  const std::string& save_path);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trawl
