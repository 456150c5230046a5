#include "train/settings_check.hpp"

#include <cmath>
#include <string>

#include "core/arith.hpp"
#include "core/error.hpp"
#include "grid/trial_fields.hpp"
#include "spec/schema.hpp"

namespace trawl {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

}  // namespace

void check_settings(const TrialSettings& t, std::int64_t examples, int ranks) {
  const auto& tr = t.train;
  // Each value against its key's rule in lib/spec's table, the one the
  // parser applied at validate (a trial built another way is checked too).
  for (const TrialField& field : trial_fields()) {
    if (const std::optional<double> value = field.number(t)) {
      const std::string error = bounds_error(field.key, *value);
      require(error.empty(), error);
    }
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
