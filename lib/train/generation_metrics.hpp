// lib/train (internal): generated answers scored against the labelled ones
// of an SFT validation split (docs/evaluation.md).
#pragma once

#include <map>
#include <string>

#include "grid/trial_settings.hpp"
#include "train/dataset.hpp"
#include "train/evaluate.hpp"
#include "train/model.hpp"

namespace trawl {

// For each validation row (this rank's piece of them): its prompt (the
// tokens before the first labelled one) is continued by up to
// settings.max_new_tokens tokens (row r samples with seed settings.seed + r),
// and the first n generated tokens are compared with the row's n labelled
// ones. Returns, over the whole group: gen.exact_match (the share of rows
// whose n tokens all match), gen.token_accuracy (matching tokens / labelled
// tokens), gen.tokens_per_s (generated tokens / generation time) and
// gen.latency_ms (the median time to a row's last token).
std::map<std::string, double> generation_metrics(Model& model, const DataView& view, const InferSettings& settings,
                                                 const EvalTask& task, std::int64_t context);

}  // namespace trawl
