// lib/train (internal): inference timed on a trial's final weights, on its
// device and in its precision (docs/evaluation.md).
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "grid/trial_settings.hpp"
#include "train/dataset.hpp"
#include "train/model.hpp"

namespace trawl {

// For each of settings.batch_sizes b: `warmup` untimed forward passes, then
// `iterations` timed ones over the first b validation examples (repeated
// when there are fewer), each ended by a device synchronisation. Returns
// infer.latency_ms.b<b> (median), infer.p99_ms.b<b> and
// infer.throughput.b<b> (examples/s, tokens/s for a language model); the
// same without the .b<b> suffix for settings.batch_size when it is set.
std::map<std::string, double> time_inference(Model& model, const DataView& view, const InferSettings& settings,
                                             torch::Device device, bool bf16);

}  // namespace trawl
