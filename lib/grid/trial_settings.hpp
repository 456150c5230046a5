// lib/grid: the typed settings of one trial: the sweep file's sections with
// the trial's grid values laid over them. This is all a trainer receives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "spec/metrics.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

struct ModelSettings {
  std::string kind;
  std::int64_t hidden = 0;
  std::int64_t layers = 0;
  double dropout = 0;
  std::string activation;
  std::string init;  // absolute path of base weights, or ""
  std::vector<std::string> freeze;
  std::int64_t d_model = 0, heads = 0, seq_len = 0;  // gpt (seq_len also for text data)
  std::string path;  // torchscript module or Hugging Face model directory, absolute
  // causal_lm: LoRA adapters (rank 0: full fine-tuning) on the named modules.
  std::int64_t lora_rank = 0;
  double lora_alpha = 0, lora_dropout = 0;
  std::vector<std::string> lora_targets;
  std::int64_t num_labels = 0;  // causal_lm as a classifier: its score head's outputs; 0: from the data
};

struct DataSettings {
  std::string kind;
  std::string path;  // hdf5 file, absolute
  std::string train_x, train_y, val_x, val_y;
  std::string train_file, val_file;  // text, tokens or JSON lines (a path or glob), absolute
  std::string tokenizer;             // JSON lines: the tokenizer's folder when not model.path's
  std::string task;
  bool shuffle = true;
  // Conversations ({"messages": ...} lines): a Jinja file that overrides the
  // tokenizer's chat template (absolute; empty: the model's), and which
  // tokens are trained ("assistant" or "all").
  std::string chat_template, train_on;
  bool packing = false;  // whole examples packed into each row of model.seq_len
};

struct TrainSettings {
  std::int64_t steps = 0, batch_size = 0, warmup_steps = 0, eval_every = 0, eval_batch_size = 0;
  double lr = 0, momentum = 0, beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0;
  double min_lr_ratio = 0, grad_clip = 0;
  std::string optimizer, schedule;
  std::int64_t seed = 0;  // the trial's seed (from sweep.seeds or train.seed)
  std::int64_t grad_accum = 1;
  double label_smoothing = 0, bucket_mb = 25;
  std::string device, precision;
  std::int64_t threads = 0;
  bool eval_at_start = false;             // an eval point at step 0, before any update
  bool activation_checkpointing = false;  // recompute each block in backward
  // Early stopping: end after `patience` eval points (0: never) in which the
  // sweep's metric did not improve by more than min_delta on its best.
  std::int64_t patience = 0;
  double min_delta = 0;
  // Successive halving's rungs (prune.*): steps at which the trial is always
  // evaluated and may be paused for a decision; empty without pruning.
  std::vector<std::int64_t> rungs;
};

// Inference timed on the final weights (docs/evaluation.md); nothing is
// timed without batch sizes.
struct InferSettings {
  std::vector<std::int64_t> batch_sizes;
  std::int64_t batch_size = 0;  // also timed, under unsuffixed names; 0: not
  std::int64_t warmup = 0, iterations = 0;  // untimed, then timed forward passes per batch size
  // Generation on SFT data (gen.* metrics); max_new_tokens 0: none.
  std::int64_t max_new_tokens = 0, top_k = 0, seed = 0;
  double temperature = 0, top_p = 1;
};

struct TrialSettings {
  TrialId id = 0;
  ModelSettings model;
  DataSettings data;
  TrainSettings train;
  InferSettings infer;
  std::string metric;  // sweep.metric
  Goal goal = Goal::minimize;  // sweep.mode
};

TrialSettings trial_settings(const SweepSpec& spec, const Trial& trial);
// What a trial trains, without what it only evaluates: Grid::identity of
// its parameters less the infer.* ones. Trials with equal training
// identities share one training run.
std::string training_identity(const Trial& trial);
// The step of successive halving's rung k, the same for every trial:
// prune.min_steps * prune.reduction^k.
std::int64_t rung_step(std::int64_t min_steps, std::int64_t reduction, std::int64_t rung);
// The rungs of a trial of `steps` steps: rung_step(k) for k = 0, 1, ...
// while below `steps`; empty unless prune.rule = "halving".
std::vector<std::int64_t> rung_steps(const SweepSpec& spec, std::int64_t steps);
// model.lora.targets when the sweep file does not say: every linear projection.
const std::vector<std::string>& default_lora_targets();

}  // namespace trawl
