// lib/train: the examples a trial trains and evaluates on. Tabular data (an
// HDF5 file's x and y arrays) has one example per row. Text has one example
// per window: window w is bytes [w·T, w·T + T + 1) of the file, input the
// first T bytes and target the last T (T = model.seq_len).
#pragma once

#include <torch/torch.h>

#include "spec/sweep_spec.hpp"

namespace trawl {

struct Batch {
  torch::Tensor x, y;
};

// The sweep's data, read once per process and shared by all its trials.
struct LoadedData {
  bool text = false;
  torch::Tensor train_x, train_y, val_x, val_y;  // text: train_x, val_x hold the bytes (int64)
};

LoadedData load_data(const SweepSpec& spec);

// One trial's view of the data.
class DataView {
 public:
  DataView(const LoadedData& data, std::int64_t seq_len);
  std::int64_t train_examples() const { return train_examples_; }
  std::int64_t val_examples() const { return val_examples_; }
  Batch train(const torch::Tensor& examples) const;  // int64 indices
  Batch train(std::int64_t first, std::int64_t last) const;
  Batch val(std::int64_t first, std::int64_t last) const;

 private:
  Batch windows(const torch::Tensor& bytes, const torch::Tensor& starts) const;
  const LoadedData& data_;
  std::int64_t seq_len_;
  std::int64_t train_examples_, val_examples_;
};

}  // namespace trawl
