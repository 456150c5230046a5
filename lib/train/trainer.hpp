// lib/train: trains one trial at a time in this process, together with the
// other ranks of its group (data-parallel: each rank takes a disjoint shard
// of every global batch; gradients are summed by an all-reduce). The data is
// loaded once, when the Trainer is made, and shared by every trial.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "checkpoint/checkpoint_dir.hpp"
#include "comm/mpi.hpp"
#include "core/stop_level.hpp"
#include "grid/trial_settings.hpp"
#include "train/data_check.hpp"
#include "grid/outcome.hpp"

namespace trawl {

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // After every eval point (on every rank; metrics are the group's).
  // `throughput` is training samples/s, or tokens/s for a language model.
  virtual void on_eval(const EvalPoint& point, double throughput, const char* unit, double learning_rate) = 0;
  // After every optimizer step (for progress displays; keep it cheap).
  virtual void on_step(std::int64_t steps_done, std::int64_t steps) {}
  // False once the trial must be given up (its lease went to another
  // worker); checked at every step boundary, agreed by the group.
  virtual bool keep_going() { return true; }
};

// Where and how often a trial checkpoints. Without a dir it never does.
struct CheckpointPolicy {
  const CheckpointDir* dir = nullptr;  // written by the group's first rank, read by all
  std::int64_t every_steps = 0;        // 0: not by steps
  double every_seconds = 0;            // 0: not by time
  bool resume = true;                  // start from the newest good checkpoint
  std::string identity;                // the trial's: a checkpoint of another is refused
  std::function<void(const std::string& kind, const std::string& message)> on_event;  // for /events
};

struct TrainerContext {
  const Communicator* group = nullptr;  // the ranks that train each trial together; none: alone
  int local_rank = 0;         // this rank's index on its node: its GPU is local_rank mod GPUs
  int threads = 1;            // libtorch intra-op threads for this process
  // Asked at every step boundary; the group acts on the most urgent answer
  // of its ranks. The caller owns signals and deadlines (lib/slurm).
  std::function<StopLevel()> stop_requested = [] { return StopLevel::none; };
};

class Trainer {
 public:
  Trainer(const SweepSpec& spec, const DataShape& shape, const TrainerContext& context);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains one trial; every rank of the group calls it with the same trial.
  // A NaN or infinite loss ends it as `diverged`; settings that cannot work
  // throw InputError (the caller records the trial failed). With a
  // non-empty `save_path` the group's first rank writes the final weights.
  // With a policy, it resumes from the newest good checkpoint (bit for bit on
  // a CPU) and checkpoints as the policy says. A stop request (the context's
  // stop_requested), agreed by the group at a step boundary, ends it with
  // outcome.interrupted after a checkpoint (graceful) or without (immediate).
  // With pause_at > 0 (a rung, trial.train.rungs) it stops there after the
  // rung's eval point and a checkpoint: outcome.paused. train.patience ends
  // it done with outcome.stopped_early. With a `shared_path`, a trial that
  // trained to its end leaves its trained parameters and buffers there
  // (frozen base weights are not written) for the trials that share its
  // training (evaluate_trained).
  TrialOutcome train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path = "",
                     const CheckpointPolicy& checkpoints = {}, std::int64_t pause_at = 0,
                     const std::string& shared_path = "");
  // A trial that shares another's training: its model built as for training,
  // the weights at `shared_path` loaded, then only what is measured after
  // training (inference timings). Every rank of the group calls it. With a
  // `save_path`, the group's first rank writes the weights there as
  // --save-final does.
  std::map<std::string, double> evaluate_trained(const TrialSettings& trial, const std::string& shared_path,
                                                 const std::string& save_path = "");
  std::string device_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trawl
