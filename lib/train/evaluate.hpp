// lib/train (internal): the validation pass, shared by the training loop.
// Sums, not means, are computed per rank (as data.task's TaskMetrics says)
// and reduced over the group before dividing, so metrics are exact for any
// data-parallel split.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>

#include "comm/mpi.hpp"
#include "train/dataset.hpp"
#include "train/model.hpp"
#include "train/task_metrics.hpp"

namespace trawl {

// [first, last) of n items split into `parts` nearly equal pieces.
std::pair<std::int64_t, std::int64_t> piece(std::int64_t n, std::int64_t parts, std::int64_t index);

// What evaluation needs to know of the task and the group.
struct EvalTask {
  const TaskMetrics* metrics = nullptr;  // data.task's
  std::int64_t classes = 0;
  std::int64_t tokens_per_example = 1;
  const Communicator* group = nullptr;  // none: alone
  torch::Device device{torch::kCPU};

  int ranks() const { return group ? group->size() : 1; }
  int rank() const { return group ? group->rank() : 0; }
};

// val.loss and the task's metrics over the whole validation set.
std::map<std::string, double> evaluate(const EvalTask& task, Model& model, const DataView& view, std::int64_t batch,
                                       bool bf16);

}  // namespace trawl
