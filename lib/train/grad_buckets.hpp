// lib/train: data-parallel gradient averaging, as PyTorch DDP does it.
// Trainable parameters are packed, last layer first, into flat buckets of
// about train.bucket_mb; a gradient hook on each parameter copies its
// gradient into its bucket during backward, and a full bucket is handed to
// the all-reduce at once, while backward still runs for earlier layers.
// Each rank scales its loss by 1 / (global batch), so the sum over ranks is
// the global mean and no division follows.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "comm/all_reduce.hpp"

namespace trawl {

class GradientBuckets {
 public:
  GradientBuckets(std::vector<torch::Tensor> params, double bucket_mb, GradientAllReduce& reduce);
  ~GradientBuckets();
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  // Call before the backward pass of the last micro-batch of a step: its
  // hooks then reduce buckets as they fill.
  void arm();
  // Call after that backward pass: reduces what is left, waits, and writes
  // the summed gradients into every parameter's .grad.
  void finish();
  std::size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Slot {
    std::size_t param;
    std::int64_t offset, numel;
  };
  struct Bucket {
    torch::Tensor flat;
    std::vector<Slot> slots;
    std::size_t ready = 0;
    bool started = false;
  };
  void on_gradient(std::size_t param, const torch::Tensor& grad);
  void start(Bucket& bucket);

  std::vector<torch::Tensor> params_;
  std::vector<unsigned> hooks_;  // params_[k]'s hook handle, removed on destruction
  std::vector<std::pair<std::size_t, std::size_t>> where_;  // param → (bucket, slot)
  std::vector<Bucket> buckets_;
  std::vector<bool> filled_;
  GradientAllReduce& reduce_;
  bool armed_ = false;
};

}  // namespace trawl
