// lib/checkpoint: the payload of a trial's checkpoint: only what a fine-tune
// changes (trainable parameters, buffers, optimizer state, both RNGs, the
// epoch's example order and the loop's counters). Frozen parameters come
// from the base weights, which the payload names by hash, so a checkpoint of
// a fine-tune that trains a few layers stays small.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/checkpoint_dir.hpp"

namespace trawl {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// What the training loop carries from step to step besides model and optimizer.
struct LoopCounters {
  std::int64_t step = 0;  // optimizer steps done
  std::int64_t eval_index = 0, loss_steps = 0, examples_since_eval = 0;
  std::int64_t best_step = -1;
  double loss_window = 0;
  double best = std::numeric_limits<double>::quiet_NaN();
  std::map<std::string, double> best_metrics, final_metrics;
  // train.patience: eval points since the metric last improved by more than
  // min_delta, and the value it improved to.
  std::int64_t patience_wait = 0;
  double patience_best = std::numeric_limits<double>::quiet_NaN();
  torch::Tensor order;  // this epoch's example order (shuffled data)
};

// The live objects a payload is written from and read back into.
struct TrainState {
  NamedTensors trainable;  // parameters with requires_grad
  NamedTensors buffers;
  torch::optim::Optimizer* optimizer = nullptr;
  at::Generator* data_generator = nullptr;
  LoopCounters* loop = nullptr;
  std::string base_hash;  // of the frozen base weights the trial starts from
  std::string identity;   // the trial it belongs to: id, parameters, settings hash
};

// Writes the payload of `state` to `write` piece by piece, as torch
// serialises it: tensors are not copied first (on a GPU, torch copies each to
// the host as it writes it), so the extra memory is about the largest tensor.
void save_state(const TrainState& state, const CheckpointDir::Sink& write);
// Restores a payload into `state`, tensors moved to `device`. Throws Error
// saying why when it does not fit (another trial's or other settings', other
// base weights, a missing parameter or one of another shape); `state` may
// then be partly written.
void load_state(const std::string& payload, TrainState& state, torch::Device device);

// An archive's bytes, streamed to `write` as torch serialises it.
void write_archive(torch::serialize::OutputArchive& archive, const CheckpointDir::Sink& write);

}  // namespace trawl
