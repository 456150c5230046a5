#include "train/settings_check.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace trawl {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

}  // namespace

void check_settings(const TrialSettings& t, std::int64_t examples, int ranks) {
  const auto& tr = t.train;
  require(tr.steps >= 1, "train.steps must be at least 1, not " + std::to_string(tr.steps));
  require(tr.batch_size >= 1, "train.batch_size must be at least 1, not " + std::to_string(tr.batch_size));
  require(tr.batch_size <= examples, "train.batch_size " + std::to_string(tr.batch_size) +
                                         " is larger than the training set (" + std::to_string(examples) +
                                         " examples)");
  require(tr.grad_accum >= 1, "train.grad_accum must be at least 1");
  require(tr.batch_size >= tr.grad_accum * ranks,
          "train.batch_size " + std::to_string(tr.batch_size) + " is smaller than train.grad_accum (" +
              std::to_string(tr.grad_accum) + ") x ranks_per_trial (" + std::to_string(ranks) +
              "): some rank would get no examples");
  require(tr.eval_every >= 1, "train.eval_every must be at least 1");
  require(tr.eval_batch_size >= 1, "train.eval_batch_size must be at least 1");
  require(tr.lr > 0 && std::isfinite(tr.lr), "train.lr must be positive");
  require(tr.warmup_steps >= 0, "train.warmup_steps must not be negative");
  require(tr.weight_decay >= 0, "train.weight_decay must not be negative");
  require(tr.grad_clip >= 0, "train.grad_clip must not be negative (0 turns clipping off)");
  require(tr.momentum >= 0 && tr.momentum < 1, "train.momentum must be in [0, 1)");
  require(tr.beta1 >= 0 && tr.beta1 < 1 && tr.beta2 >= 0 && tr.beta2 < 1, "train.beta1 and beta2 must be in [0, 1)");
  require(tr.min_lr_ratio >= 0 && tr.min_lr_ratio <= 1, "train.min_lr_ratio must be in [0, 1]");
  require(tr.label_smoothing >= 0 && tr.label_smoothing < 1, "train.label_smoothing must be in [0, 1)");
  require(t.model.dropout >= 0 && t.model.dropout < 1, "model.dropout must be in [0, 1)");
}

}  // namespace trawl
