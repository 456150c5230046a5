// lib/train, private to the trainer's two files: one trial's run and the
// trainer's state. trainer.cpp builds and finishes a trial; trainer_loop.cpp
// is its training loop (step, eval point, checkpoint, the agreed stop).
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "comm/all_reduce.hpp"
#include "train/causal_lm.hpp"
#include "train/evaluate.hpp"
#include "train/grad_buckets.hpp"
#include "train/trainer.hpp"
#include "train/weights.hpp"

namespace trawl {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One trial being trained: everything built for it, freed when it ends.
struct TrialRun {
  const TrialSettings& trial;
  std::unique_ptr<DataView> view;
  bool bf16;
  std::unique_ptr<Model> model;
  std::vector<torch::Tensor> params;  // the trainable ones
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<GradientBuckets> buckets;
  at::Generator generator;
  LoopCounters loop;
  TrialOutcome outcome;
  std::string base;      // base_hash, when it checkpoints
  std::string identity;  // CheckpointPolicy::identity
  Clock::time_point started = Clock::now(), window_start = Clock::now(), last_checkpoint = Clock::now();

  TrialRun(const TrialSettings& t, const LoadedData& data)
      : trial(t), view(data.view(t.model.seq_len)), bf16(t.train.precision == "bf16"),
        generator(at::detail::createCPUGenerator(static_cast<std::uint64_t>(t.train.seed))) {}

  TrainState state() {
    NamedTensors trainable;
    for (auto& [name, p] : model->named_parameters())
      if (p.requires_grad()) trainable.emplace_back(name, p);
    return TrainState{trainable, model->named_buffers(), optimizer.get(), &generator, &loop, base, identity};
  }
};

// A checkpoint event, said once per group (by its first rank).
inline void event(const CheckpointPolicy& policy, int rank, const std::string& kind, const std::string& message) {
  if (policy.on_event && rank == 0) policy.on_event(kind, message);
}

struct Trainer::Impl {
  TrainerContext context;
  DataShape shape;
  EvalTask task;  // tokens_per_example set per trial
  std::shared_ptr<LoadedData> data;
  std::unique_ptr<GradientAllReduce> reduce;
  CausalLmBases bases;                            // read once, shared by trials
  std::map<std::string, std::string> file_hashes;  // of base files, by path

  std::string base_hash(const TrialSettings& t);

  int ranks() const { return task.ranks(); }
  int rank() const { return task.rank(); }

  std::unique_ptr<TrialRun> prepare(const TrialSettings& trial, const CheckpointPolicy& policy);
  bool resume(TrialRun& run, const CheckpointPolicy& policy) const;
  bool step(TrialRun& run) const;
  void eval_point(TrialRun& run, TrainingObserver& observer, double lr) const;
  void checkpoint(TrialRun& run, const CheckpointPolicy& policy) const;
  StopLevel agreed_stop(TrainingObserver& observer) const;
  void check_replicas(Model& model) const;
  std::map<std::string, double> inference_timings(TrialRun& run) const;
  void measure_final(TrialRun& run) const;
  TrialOutcome train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path,
                     const CheckpointPolicy& checkpoints, std::int64_t pause_at, const std::string& shared_path);
  std::map<std::string, double> evaluate_trained(const TrialSettings& trial, const std::string& shared_path,
                                                 const std::string& save_path);
};

}  // namespace trawl
