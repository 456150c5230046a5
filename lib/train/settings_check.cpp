#include "train/settings_check.hpp"

#include <cmath>
#include <string>

#include "core/arith.hpp"
#include "core/error.hpp"
#include "spec/schema.hpp"

namespace trawl {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

}  // namespace

void check_settings(const TrialSettings& t, std::int64_t examples, int ranks) {
  const auto& tr = t.train;
  const auto& m = t.model;
  // Each value against its key's rule in lib/spec's table, the one the
  // parser applied at validate (a trial built another way is checked too).
  const std::pair<const char*, double> values[] = {
      {"train.steps", static_cast<double>(tr.steps)}, {"train.batch_size", static_cast<double>(tr.batch_size)},
      {"train.grad_accum", static_cast<double>(tr.grad_accum)}, {"train.eval_every", static_cast<double>(tr.eval_every)},
      {"train.eval_batch_size", static_cast<double>(tr.eval_batch_size)}, {"train.lr", tr.lr},
      {"train.warmup_steps", static_cast<double>(tr.warmup_steps)}, {"train.weight_decay", tr.weight_decay},
      {"train.grad_clip", tr.grad_clip}, {"train.momentum", tr.momentum}, {"train.beta1", tr.beta1},
      {"train.beta2", tr.beta2}, {"train.eps", tr.eps}, {"train.min_lr_ratio", tr.min_lr_ratio},
      {"train.label_smoothing", tr.label_smoothing}, {"train.bucket_mb", tr.bucket_mb},
      {"model.dropout", m.dropout}, {"model.hidden", static_cast<double>(m.hidden)},
      {"model.layers", static_cast<double>(m.layers)}, {"model.d_model", static_cast<double>(m.d_model)},
      {"model.heads", static_cast<double>(m.heads)}, {"model.seq_len", static_cast<double>(m.seq_len)},
  };
  for (const auto& [key, value] : values) {
    const std::string error = bounds_error(key, value);
    require(error.empty(), error);
  }
  // Rules between keys, and against the data.
  require(tr.batch_size <= examples, "train.batch_size " + std::to_string(tr.batch_size) +
                                         " is larger than the training set (" + std::to_string(examples) +
                                         " examples)");
  require(tr.batch_size >= saturating_mul(tr.grad_accum, ranks),
          "train.batch_size " + std::to_string(tr.batch_size) + " is smaller than train.grad_accum (" +
              std::to_string(tr.grad_accum) + ") x ranks_per_trial (" + std::to_string(ranks) +
              "): some rank would get no examples");
}

}  // namespace trawl
