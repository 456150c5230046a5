// lib/train (internal): what each data.task computes. One entry per task,
// registered by name in task_metrics.cpp: its loss, what a rank sums over its
// validation shard, and how the group's sums become the val.* metrics that
// spec/metrics.cpp names for the task. Nothing else in trawl looks at the
// task's name.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "comm/mpi.hpp"

namespace trawl {

// One rank's sums over its shard of the validation set, for one task.
class ShardMetrics {
 public:
  virtual ~ShardMetrics() = default;
  // Adds one batch: the model's float output and the targets.
  virtual void add(const torch::Tensor& out, const torch::Tensor& y) = 0;
  // Reduces the sums over the group (none: alone) into val.loss and the
  // task's metrics; every rank of the group calls it and gets the same.
  virtual std::map<std::string, double> reduce(const Communicator* group) = 0;
};

class TaskMetrics {
 public:
  virtual ~TaskMetrics() = default;
  // Sum, not mean, of the loss over a batch (and its tokens), so that
  // shards add up exactly.
  virtual torch::Tensor loss_sum(const torch::Tensor& out, const torch::Tensor& y, double smoothing) const = 0;
  virtual std::unique_ptr<ShardMetrics> shard(std::int64_t classes) const = 0;
  // What the training throughput counts: "samples/s" or "tokens/s".
  virtual const char* throughput_unit() const { return "samples/s"; }
};

// The task data.task names; an unknown name is an Error (the schema allows
// only the registered ones).
const TaskMetrics& task_metrics(const std::string& task);

}  // namespace trawl
